/**
 * dmasim's command-line entry point: `node --import tsx src/cli/main.ts <command> ...`
 * (bin/dmasim.mjs and `npm run dmasim` start it). The commands are in program.ts.
 */
import { main } from "./program.js";

// A closed pipe (dmasim ... | head) is not an error.
for (const s of [process.stdout, process.stderr])
  s.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

process.exitCode = await main(process.argv.slice(2));
