/* dmasim kernel-vectors stub */
#ifndef KV_LINUX_COMPILER_H
#define KV_LINUX_COMPILER_H
#define RELOC_HIDE(ptr, off) ((__typeof__(ptr))((unsigned long)(ptr) + (off)))
#define __always_inline inline __attribute__((__always_inline__))
#define __must_check
#ifndef __pure
#define __pure __attribute__((__pure__)) /* 6.12+ memory.h read_tcr */
#endif
#endif
