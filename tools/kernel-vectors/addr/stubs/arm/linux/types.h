/* dmasim kernel-vectors stub for arch/arm64/include/asm/memory.h */
#ifndef KV_LINUX_TYPES_H
#define KV_LINUX_TYPES_H
#include <linux/kv-types.h>
#endif
