/* dmasim kernel-vectors stub */
#ifndef KV_MMDEBUG_H
#define KV_MMDEBUG_H
#define VM_BUG_ON(cond) ((void)0)
#define VM_WARN_ON(cond) ((void)0)
#endif
