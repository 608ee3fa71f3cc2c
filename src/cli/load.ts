/**
 * Reading scenario files from disk (the only file access the CLI needs; src/scenario stays free
 * of node:* so the web page can parse scenarios too).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./root.js";
import { InputError } from "../core/faults.js";
import { parseScenarioText } from "../scenario/parse.js";
import type { Scenario } from "../scenario/types.js";
import { MAX_FILE_BYTES } from "../scenario/limits.js";
import { ioMessage, scenarioFilesIn } from "./scenario-files.js";

export { scenarioFilesIn };

/** The bundled scenarios directory (scenarios/ at the package root). */
export const SCENARIOS_DIR = join(ROOT, "scenarios") + "/";


/** The argument that means "standard input", and the name messages give it. */
export const STDIN_ARG = "-";
export const STDIN_NAME = "<stdin>";

const TOO_BIG = `the scenario is larger than ${MAX_FILE_BYTES / 2 ** 20} MiB (the limit); use repeat blocks for long scenarios`;

/** Read at most MAX_FILE_BYTES + 1 bytes from an open descriptor. */
function readCapped(fd: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, MAX_FILE_BYTES + 1 - total));
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        // a non-blocking stdin with nothing to read yet: wait a little, then try again
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > MAX_FILE_BYTES) throw new RangeError(TOO_BIG);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The text of a scenario file, or of standard input for `-`. Only regular files are read (a FIFO
 * with no writer would block forever, /dev/zero never ends); at most MAX_FILE_BYTES.
 */
export function readScenarioText(path: string): { text: string; name: string } {
  const name = path === STDIN_ARG ? STDIN_NAME : path;
  let fd: number | undefined;
  try {
    if (path === STDIN_ARG) fd = 0;
    else {
      const st = statSync(path);
      if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      if (!st.isFile()) throw new InputError("cannot read scenario: not a regular file (a FIFO, device or socket); use '-' to read standard input", { file: name });
      if (st.size > MAX_FILE_BYTES) throw new InputError(TOO_BIG, { file: name });
      fd = openSync(path, "r");
      if (!fstatSync(fd).isFile()) throw new InputError("cannot read scenario: not a regular file", { file: name });
    }
    const bytes = readCapped(fd);
    return { text: new TextDecoder("utf-8", { fatal: false }).decode(bytes), name };
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof RangeError) throw new InputError(e.message, { file: name });
    throw new InputError(`cannot read scenario: ${ioMessage(e)}`, { file: name });
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
}

/** Read and parse one scenario file (`-`: standard input); every problem is an InputError naming the file. */
export function loadScenarioFile(path: string): Scenario {
  const { text, name } = readScenarioText(path);
  return parseScenarioText(text, name);
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
