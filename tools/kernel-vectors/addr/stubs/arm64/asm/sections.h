/* dmasim kernel-vectors stub (6.12+ arm64 memory.h includes it for _text/_end in kaslr_offset) */
#ifndef KV_ARM64_SECTIONS_H
#define KV_ARM64_SECTIONS_H
extern char _text[], _end[];
#endif
