/* dmasim kernel-vectors stub */
#define X86_FEATURE_REP_GOOD 0
#define X86_FEATURE_ERMS 0
#define X86_FEATURE_LA57 0 /* 6.18 page_64.h task_size_max (not called) */
