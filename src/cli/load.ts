/**
 * Reading scenario files from disk (the only file access the CLI needs; src/scenario stays free
 * of node:* so the web page can parse scenarios too).
 */
import { readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./root.js";
import { InputError } from "../core/faults.js";
import { parseScenarioText } from "../scenario/parse.js";
import type { Scenario } from "../scenario/types.js";

const SCENARIO_FILE = /\.(ya?ml|json)$/i;

/** The bundled scenarios directory (scenarios/ at the package root). */
export const SCENARIOS_DIR = join(ROOT, "scenarios") + "/";

function ioMessage(e: unknown): string {
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

/** The argument that means "standard input", and the name messages give it. */
export const STDIN_ARG = "-";
export const STDIN_NAME = "<stdin>";

/** Read and parse one scenario file (`-`: standard input, named `<stdin>`); every problem is an InputError naming the file. */
export function loadScenarioFile(path: string): Scenario {
  const stdin = path === STDIN_ARG;
  const name = stdin ? STDIN_NAME : path;
  let text: string;
  try {
    text = readFileSync(stdin ? 0 : path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read scenario: ${ioMessage(e)}`, { file: name });
  }
  return parseScenarioText(text, name);
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

/** Expand command-line arguments: files (and `-`) as given, directories to the scenario files inside and in their subfolders. */
export function expandScenarioArgs(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    let isDir = false;
    if (a === STDIN_ARG) {
      out.push(a);
      continue;
    }
    try {
      isDir = statSync(a).isDirectory();
    } catch {
      // not there: loadScenarioFile reports it
    }
    if (isDir) {
      const files = scenarioFilesIn(a, undefined, true);
      if (files.length === 0) throw new InputError("no scenario files (*.yaml, *.yml, *.json) in this directory", { file: a });
      out.push(...files);
    } else out.push(a);
  }
  return out;
}
