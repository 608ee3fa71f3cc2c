/* dmasim kernel-vectors stub */
#ifndef KV_ASM_BUG_H
#define KV_ASM_BUG_H
#endif
