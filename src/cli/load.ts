/**
 * Reading scenario files from disk (the only file access the CLI needs; src/scenario stays free
 * of node:* so the web page can parse scenarios too).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
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

/** Read and parse one scenario file; every problem is an InputError naming the file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read scenario: ${ioMessage(e)}`, { file: path });
  }
  return parseScenarioText(text, path);
}

/** Scenario files in a directory (sorted), optionally only those whose name matches `filter`. */
export function scenarioFilesIn(dir: string, filter?: RegExp): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new InputError(`cannot list scenarios: ${ioMessage(e)}`, { file: dir });
  }
  return names
    .filter((n) => SCENARIO_FILE.test(n) && (!filter || filter.test(n)))
    .sort()
    .map((n) => join(dir, n));
}

/** Expand command-line arguments: files as given, directories to the scenario files inside. */
export function expandScenarioArgs(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    let isDir = false;
    try {
      isDir = statSync(a).isDirectory();
    } catch {
      // not there: loadScenarioFile reports it
    }
    if (isDir) {
      const files = scenarioFilesIn(a);
      if (files.length === 0) throw new InputError("no scenario files (*.yaml, *.yml, *.json) in this directory", { file: a });
      out.push(...files);
    } else out.push(a);
  }
  return out;
}
