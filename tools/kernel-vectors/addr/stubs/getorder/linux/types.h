/* dmasim kernel-vectors stub for getorder.c: the kernel's fixed-width types (our own, not kernel source) */
#ifndef KV_GO_LINUX_TYPES_H
#define KV_GO_LINUX_TYPES_H
#include <stdbool.h>
#include <asm/types.h>
typedef __u32 u32;
typedef __u64 u64;
#endif
