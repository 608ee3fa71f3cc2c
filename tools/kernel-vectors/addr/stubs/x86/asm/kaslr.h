/* dmasim kernel-vectors stub: empty */
