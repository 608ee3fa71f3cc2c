/* dmasim kernel-vectors stub: clear_page/copy_page alternatives are not run */
#define alternative_call_2(...) do { } while (0)
#define alternative_call(...) do { } while (0)
#define ASM_CALL_CONSTRAINT
