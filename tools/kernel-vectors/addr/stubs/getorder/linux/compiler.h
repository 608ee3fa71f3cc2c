/* dmasim kernel-vectors stub for include/asm-generic/getorder.h (getorder.c): what it and log2.h/bitops use */
#ifndef KV_GO_LINUX_COMPILER_H
#define KV_GO_LINUX_COMPILER_H
#define __always_inline inline __attribute__((__always_inline__))
#define __attribute_const__ __attribute__((__const__))
#endif
