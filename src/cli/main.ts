/**
 * dmasim's command-line entry point: `node --import tsx src/cli/main.ts <command> ...`
 * (bin/dmasim.mjs and `npm run dmasim` start it). The commands are in program.ts.
 */
import { packageVersion } from "./root.js";

// A closed pipe (dmasim ... | head) is not an error.
for (const s of [process.stdout, process.stderr])
  s.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // `dmasim --version` and nothing else: the line commander prints for it (program.ts), without
  // loading commander and the command definitions (about a third of the start of any command)
  process.stdout.write(`${packageVersion()}\n`);
} else {
  // this process is dmasim's own: `fuzz` may lower V8's helper threads below the main one (helper-nice.ts)
  if (args[0] === "fuzz") (await import("./helper-nice.js")).claimProcess();
  // `fuzz --jobs N`: the worker threads start first, and boot while the CLI below loads (fuzz-split.ts)
  if (args[0] === "fuzz") await (await import("./fuzz-split.js")).prestartFuzzWorkers(args);
  // `matrix` over worker threads: the same, for its workers (matrix-prestart.ts)
  if (args[0] === "matrix") await (await import("./matrix-prestart.js")).prestartMatrixWorkers(args);
  const { main } = await import("./program.js");
  process.exitCode = await main(args);
}
