/* dmasim kernel-vectors stub for getorder.c: __u32/__u64 and BITS_PER_LONG (asm-generic/bitsperlong.h's
 * meaning: the width of the build's unsigned long; 32 under KV_ILP32_EMUL, see getorder.c) */
#ifndef KV_GO_ASM_TYPES_H
#define KV_GO_ASM_TYPES_H
typedef unsigned int __u32;
typedef unsigned long long __u64;
#ifdef KV_ILP32_EMUL
#define BITS_PER_LONG 32
#else
#define BITS_PER_LONG (__SIZEOF_LONG__ * 8)
#endif
#endif
