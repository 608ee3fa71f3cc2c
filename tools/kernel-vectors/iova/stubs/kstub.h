/*
 * dmasim kernel-vectors, iova target: the user-space stand-ins for the kernel facilities that
 * drivers/iommu/iova.c and lib/rbtree.c use — common/kstub-iova.h, shared with the dma-iommu target.
 * Our own code (MIT); the kernel files themselves are read, unmodified, from the tree whose path is
 * given to record.sh.
 */
#ifndef DMASIM_KSTUB_H
#define DMASIM_KSTUB_H
#include "../../common/kstub-iova.h"
#endif
