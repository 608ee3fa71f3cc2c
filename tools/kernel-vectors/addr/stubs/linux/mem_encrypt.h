/* dmasim kernel-vectors stub: no memory encryption (sme_me_mask == 0) */
#ifndef KV_MEM_ENCRYPT_H
#define KV_MEM_ENCRYPT_H
#define __sme_set(x) (x)
#define __sme_clr(x) (x)
/* 6.18 dma-direct.h: the generic mem_encrypt.h defaults (no encryption bit, no canonical form) */
#define dma_addr_encrypted(x) (x)
#define dma_addr_unencrypted(x) (x)
#define dma_addr_canonical(x) (x)
#endif
