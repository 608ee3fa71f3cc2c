/**
 * The package's root folder, found by walking up from this module to the package.json named
 * "dmasim" — the same answer from src/cli/*.ts (tsx) and from the dist/dmasim.mjs bundle.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(start: string): string {
  let dir = dirname(start);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "dmasim") return dir;
      } catch {
        /* not ours */
      }
    }
    const up = dirname(dir);
    if (up === dir) return dirname(dirname(dirname(start)));
    dir = up;
  }
}

export const ROOT = findRoot(fileURLToPath(import.meta.url));

/** The package's version (its package.json; "0.0.0" when it cannot be read): `dmasim --version`. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
