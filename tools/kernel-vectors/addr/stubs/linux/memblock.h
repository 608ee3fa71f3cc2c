/* dmasim kernel-vectors stub: min_low_pfn, set by the driver */
#ifndef KV_MEMBLOCK_H
#define KV_MEMBLOCK_H
extern unsigned long min_low_pfn;
#endif
