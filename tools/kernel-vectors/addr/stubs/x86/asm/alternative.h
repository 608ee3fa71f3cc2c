/* dmasim kernel-vectors stub: clear_page/copy_page alternatives are not run */
#define alternative_call_2(...) do { } while (0)
#define alternative_call(...) do { } while (0)
#define alternative_io(...) do { } while (0) /* 6.18 page_64.h task_size_max (not called) */
#define ASM_CALL_CONSTRAINT
