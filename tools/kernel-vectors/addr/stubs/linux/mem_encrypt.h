/* dmasim kernel-vectors stub: no memory encryption (sme_me_mask == 0) */
#ifndef KV_MEM_ENCRYPT_H
#define KV_MEM_ENCRYPT_H
#define __sme_set(x) (x)
#define __sme_clr(x) (x)
#endif
