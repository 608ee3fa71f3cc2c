/**
 * dmasim's command-line entry point: `node --import tsx src/cli/main.ts <command> ...`
 * (bin/dmasim.mjs and `npm run dmasim` start it). The commands are in program.ts.
 */
import { prestartFuzzWorkers } from "./fuzz-split.js";
import { prestartMatrixWorkers } from "./matrix-prestart.js";

// `fuzz --jobs N`: the worker threads start first, and boot while the CLI below loads (fuzz-split.ts)
await prestartFuzzWorkers(process.argv.slice(2));
// `matrix` over worker threads: the same, for its workers (matrix-prestart.ts)
await prestartMatrixWorkers(process.argv.slice(2));
const { main } = await import("./program.js");

// A closed pipe (dmasim ... | head) is not an error.
for (const s of [process.stdout, process.stderr])
  s.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

process.exitCode = await main(process.argv.slice(2));
