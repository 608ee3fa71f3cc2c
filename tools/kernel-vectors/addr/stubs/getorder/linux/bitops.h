/* dmasim kernel-vectors stub for getorder.c: fls, __fls and fls64 are the tree's own asm-generic C versions
 * (include/asm-generic/bitops/{fls,__fls,fls64}.h, read from the tree); fls_long as include/linux/bitops.h has it */
#ifndef KV_GO_LINUX_BITOPS_H
#define KV_GO_LINUX_BITOPS_H
#include <linux/compiler.h>
#include <asm/types.h>
#include <asm-generic/bitops/fls.h>
#include <asm-generic/bitops/__fls.h>
#include <asm-generic/bitops/fls64.h>
static inline unsigned int fls_long(unsigned long l)
{
	if (sizeof(l) == 4)
		return fls(l);
	return fls64(l);
}
#endif
