/* dmasim kernel-vectors stub */
#define X86_FEATURE_REP_GOOD 0
#define X86_FEATURE_ERMS 0
