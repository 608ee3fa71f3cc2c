/* dmasim kernel-vectors stub: no KASAN */
