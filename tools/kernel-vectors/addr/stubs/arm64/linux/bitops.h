/* dmasim kernel-vectors stub */
#ifndef KV_LINUX_BITOPS_H
#define KV_LINUX_BITOPS_H
#include <linux/const.h>
#ifndef BIT
#define BIT(nr) (1UL << (nr))
#endif
#ifndef BIT_ULL
#define BIT_ULL(nr) (1ULL << (nr))
#endif
#endif
