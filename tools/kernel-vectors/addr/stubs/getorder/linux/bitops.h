/* dmasim kernel-vectors stub for getorder.c: fls, __fls and fls64 are the tree's own asm-generic C versions
 * (include/asm-generic/bitops/{fls,__fls,fls64}.h, read from the tree); fls_long (what log2.h's
 * __roundup_pow_of_two needs to compile; get_order does not call it) is ours: fls or fls64 by the width of long */
#ifndef KV_GO_LINUX_BITOPS_H
#define KV_GO_LINUX_BITOPS_H
#include <linux/compiler.h>
#include <asm/types.h>
#include <asm-generic/bitops/fls.h>
#include <asm-generic/bitops/__fls.h>
#include <asm-generic/bitops/fls64.h>
static inline unsigned int fls_long(unsigned long l) { return sizeof(l) == 4 ? (unsigned int)fls(l) : (unsigned int)fls64(l); }
#endif
