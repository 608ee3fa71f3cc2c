/**
 * Which files are scenarios, and listing them in a folder: node builtins only (and InputError), so
 * the early start of matrix's workers (matrix-prestart.ts) can count them before the CLI and the
 * scenario parser load. load.ts reads the files.
 */
import { readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { InputError } from "../core/faults.js";

/** A scenario file's name. */
export const SCENARIO_FILE = /\.(ya?ml|json)$/i;

/** A file error as one short phrase. */
export function ioMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory, not a scenario file";
    default:
      return err.message?.split("\n")[0] ?? String(e);
  }
}

/**
 * Scenario files in a directory (sorted), optionally only those whose name matches `filter`;
 * `recursive`: also in its subfolders (depth first, each folder's files before its subfolders;
 * hidden folders and node_modules skipped; symlinked folders not followed).
 */
export function scenarioFilesIn(dir: string, filter?: RegExp, recursive = false): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new InputError(`cannot list scenarios: ${ioMessage(e)}`, { file: dir });
  }
  const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const files = entries
    .filter((e) => !e.isDirectory() && SCENARIO_FILE.test(e.name) && (!filter || filter.test(e.name)))
    .sort(byName)
    .map((e) => join(dir, e.name));
  if (!recursive) return files;
  const subdirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules").sort(byName);
  for (const d of subdirs) files.push(...scenarioFilesIn(join(dir, d.name), filter, true));
  return files;
}
