/**
 * Modelled kernel faults. They are results, not crashes of dmasim: an oops or BUG is thrown as a
 * `KernelFault` and caught by the step runner, which records it and stops the run; WARN, SIGBUS, SIGSEGV,
 * bus errors and swiotlb/overflow warnings are recorded and the run goes on.
 */

/**
 * soft_lockup: the watchdog's "BUG: soft lockup" (the CPU never returns: the run stops);
 * hang: the task never returns and the kernel prints nothing (a preemptible loop: CONFIG_PREEMPT lets
 *   the watchdog's stopper run, so no soft lockup is reported); the message is dmasim's, the run stops;
 * bad_page: mm's "BUG: Bad page state" (printed with a backtrace, the page is leaked, the run goes on);
 * kasan: a KASAN report (printed, the run goes on);
 * slub: a SLUB debugging report, slub_debug= (mm/slub.c slab_bug "BUG <cache> (<taint>): …": printed, the bytes restored, the run goes on).
 */
export type FaultKind = "oops" | "bug" | "warn" | "sigbus" | "sigsegv" | "bus_error" | "panic" | "soft_lockup" | "hang" | "bad_page" | "kasan" | "slub";

/**
 * The fault kinds that make a failed run a FAULT rather than a FAIL (every view uses this: `run`'s
 * verdict line, the matrix cells, the web page): the run stopped (oops, BUG, panic, soft lockup,
 * hang) or an access reached something that is not RAM (SIGBUS, bus error) or nothing at all (SIGSEGV: a user
 * access with no mapping). A WARN, a bad-page
 * report, a KASAN or a SLUB debugging report alone leaves a failed run a FAIL.
 */
export const STOPPING_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>(["oops", "bug", "panic", "soft_lockup", "hang", "sigbus", "sigsegv", "bus_error"]);

/** A run's verdict: PASS (every expectation held, no unexpected fault), FAULT (failed with a STOPPING_FAULTS fault), else FAIL. */
export function runVerdict(r: { readonly ok: boolean; readonly faults: readonly { readonly kind: FaultKind }[] }): "PASS" | "FAIL" | "FAULT" {
  if (r.ok) return "PASS";
  return r.faults.some((f) => STOPPING_FAULTS.has(f.kind)) ? "FAULT" : "FAIL";
}

export interface FaultRecord {
  kind: FaultKind;
  /** The kernel's message text (e.g. "Unable to handle kernel paging request at virtual address ..."). */
  message: string;
  /** Faulting address where one applies, kernel hex form. */
  addr?: string;
  /** The function that faulted (pc), when known. */
  pc?: string;
  /** For a WARN: the file:line the kernel prints in its WARNING line, in this version's tree. */
  at?: string;
  /** Further console lines the kernel prints after `message`, in order (e.g. arm64 show_pte). */
  lines?: string[];
  /**
   * The whole report as this version prints it on the console, first line to last (WARN: the
   * cut-here line … the end-trace marker; arm64 oops: "Unable to handle kernel …" … end marker);
   * src/kernel/panic.ts. Values the model does not have (registers, symbol offsets) are left out.
   */
  report?: string[];
  /** Index of the scenario step during which it happened; filled by the runner. */
  step?: number;
}

/** Thrown for faults that stop the kernel's control flow (oops, BUG, panic). */
export class KernelFault extends Error {
  constructor(readonly record: FaultRecord) {
    super(record.message);
    this.name = "KernelFault";
  }
}

/** A KernelFault during boot (a modelled panic before any step): the fault and the boot log up to it. The runner makes it a result whose steps are not run. */
export class BootFault extends KernelFault {
  constructor(
    record: FaultRecord,
    readonly log: { level: string; message: string; step: number }[],
  ) {
    super(record);
    this.name = "BootFault";
  }
}

/**
 * A state no kernel reaches (every caller of the kernel function rules it out), met by the model or
 * a library caller: a dmasim bug, never kernel output. The CLI prints "dmasim: internal error: …"
 * (exit 3), the matrix a CRASH cell.
 */
export class DmasimInternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DmasimInternalError";
  }
}

/** Bad input (scenario, option, op): the CLI prints one line and exits 2. */
export class InputError extends Error {
  constructor(message: string, readonly where?: { file?: string; line?: number; col?: number }) {
    super(message);
    this.name = "InputError";
  }
  /** file:line:col: message */
  format(): string {
    const w = this.where;
    if (!w || (!w.file && w.line === undefined)) return this.message;
    const loc = [w.file ?? "<input>", w.line, w.col].filter((x) => x !== undefined).join(":");
    return `${loc}: ${this.message}`;
  }
}

/**
 * The scenario does not apply to this platform (it names a device the platform lacks, or uses an
 * operation only some platforms have, such as Xen grant mapping on a non-Xen machine). Not a
 * kernel fault: `matrix` shows the cell as N/A and goes on; for `run` (and any caller that only
 * knows InputError) it is bad input for that platform (exit 2).
 */
export class NotApplicable extends InputError {
  constructor(
    readonly platform: string,
    readonly reason: string,
    where?: { file?: string; line?: number; col?: number },
    /** the line `run` prints, when it is better said otherwise (e.g. "device: x86_64 has no camera device") */
    message?: string,
  ) {
    super(message ?? `does not apply to ${platform}: ${reason}`, where);
    this.name = "NotApplicable";
  }
}

/**
 * A bad value of one boot / Kconfig option (`config:` key or `--set key=value`): `key: detail`.
 * Whoever knows where the value was written (the scenario's position of the key's value, or the
 * command-line option) places it: see buildConfigFrom in src/scenario/config.ts.
 */
export class ConfigValueError extends InputError {
  constructor(
    readonly key: string,
    readonly detail: string,
    where?: { file?: string; line?: number; col?: number },
  ) {
    super(`${key}: ${detail}`, where);
    this.name = "ConfigValueError";
  }
}

/**
 * A boot / Kconfig option the run's kernel version or architecture does not have (CONFIG_KASAN on
 * 32-bit ARM before 5.11): not a bad value but a scenario that does not apply there — `matrix`
 * shows N/A, `run` exits 2 — placed at the value like any ConfigValueError (placeConfigError).
 */
export class ConfigNotAvailable extends ConfigValueError {
  constructor(
    key: string,
    detail: string,
    /** what lacks it, as NotApplicable names it: "Linux 5.10 on arm32" */
    readonly subject: string,
  ) {
    super(key, detail);
    this.name = "ConfigNotAvailable";
  }
}

/** A bad command-line option value (`--set swiotlb=abc`): the message names the option; no scenario file or position applies. */
export class OptionError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "OptionError";
  }
}
