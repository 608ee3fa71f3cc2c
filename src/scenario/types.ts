/**
 * Scenario format v1 (the public contract) and run results, as TypeScript types.
 * The zod schema in schema.ts validates input into these shapes; the runner (runner.ts) executes
 * them; the CLI, JSON output, matrix and web page read RunResult.
 */
import type { FaultRecord } from "../core/faults.js";
import type { TraceEvent } from "../core/trace.js";

/** Data given to a write: text, hex bytes, or a fill pattern. */
export type DataSpec = string | { hex: string } | { fill: number; length: number };

export interface StepExpect {
  ok?: boolean;
  returns?: string; // "NULL", "DMA_MAPPING_ERROR", "-ENXIO", "0", ...
  data?: DataSpec;
  addr_kind?: AddrKind;
  fault?: "none" | "oops" | "bug" | "panic" | "warn" | "sigbus" | "sigsegv" | "bus_error" | "soft_lockup" | "hang" | "bad_page" | "kasan" | "slub";
  diagnostic?: string; // a D-id, e.g. "D08", or "none"
  bounced?: boolean;
  /** text of a kernel log line this step prints (printk / dev_printk, not a WARN), or "none" */
  log?: string;
}

export type AddrKind = "linear" | "vmalloc" | "page_cookie" | "ioremap" | "null" | "other";

/** One step: `op` plus the op's arguments (kernel argument names). Positions are kept for errors. */
export interface Step {
  op: string;
  as?: string;
  expect?: StepExpect;
  /** the CPU this step (and the ones after it) runs on: raw_smp_processor_id() (6.0+ swiotlb areas) */
  cpu?: number;
  /** every other key: the op's arguments, already validated by the schema */
  args: Record<string, unknown>;
  /** source position of the step (1-based), for error messages */
  line?: number;
  col?: number;
}

export interface Scenario {
  name: string;
  description?: string;
  platform?: string;
  kernel?: string;
  config?: Record<string, string | number | boolean>;
  /** a device name or a role (nic, storage, ...) resolved per platform (config.ts resolveDevice) */
  device?: string;
  /** where `device:` is written, for messages at run time */
  deviceAt?: { line: number; col: number };
  steps: Step[];
  expect?: { faults?: "none" | "any"; ok?: boolean; diagnostics?: "none" };
  /** the file it came from, for messages */
  file?: string;
  /**
   * The text it was parsed from, for placing run-time errors at a step's argument (parse.ts
   * locateStepField). Not enumerable (not in JSON, not structured-cloned): src/cli/matrix-run.ts
   * hands it to its workers beside the scenarios.
   */
  source?: string;
}

export interface RunOptions {
  platform?: string;
  kernel?: string;
  /** --set key=value pairs (override scenario config) */
  set?: Record<string, string>;
  /** record the event stream (per-step traces) */
  trace?: boolean;
}

export interface StepResult {
  index: number;
  op: string;
  /** false when an expectation failed or the step faulted */
  ok: boolean;
  /** "ran" | "not run" (after an oops/BUG) */
  status: "ran" | "not run";
  /** the call's outputs under the kernel's names, addresses as hex strings */
  result: Record<string, string | number | boolean | null>;
  /** short human summary of what happened */
  summary: string;
  trace: TraceEvent[];
}

export interface ExpectationResult {
  step: number | null; // null = top-level
  what: string; // e.g. "data", "addr_kind"
  expected: string;
  actual: string;
  ok: boolean;
}

export interface DiagnosticResult {
  id: string;
  message: string;
  step: number;
  printed: boolean;
}

export interface RunResult {
  scenario: string;
  file?: string;
  platform: string;
  kernel: string;
  device: string;
  config: Record<string, string | number | boolean>;
  ok: boolean;
  steps: StepResult[];
  faults: FaultRecord[];
  diagnostics: DiagnosticResult[];
  expectations: ExpectationResult[];
  /** address kind of the first coherent allocation, for the matrix */
  first_alloc_kind: AddrKind | null;
  /** the first failure or fault, in a few words, for the matrix */
  first_failure: string | null;
  /** the kernel log (printk at a level, not WARN splats): boot lines (step -1), then what the steps printed */
  log?: { level: string; message: string; step: number }[];
}
