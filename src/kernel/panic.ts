/**
 * The console lines of a WARN splat and of an arm64 kernel paging oops, as each modelled version
 * prints them: kernel/panic.c (__warn, __warn_printk, print_tainted, print_oops_end_marker),
 * lib/bug.c (report_bug's cut-here line), lib/dump_stack.c (dump_stack_print_info),
 * arch/arm64/kernel/{process.c show_regs, stacktrace.c / traps.c dump_backtrace, traps.c __die},
 * arch/arm64/mm/fault.c (die_kernel_fault, mem_abort_decode, data_abort_decode, show_pte) and
 * arch/x86/kernel/dumpstack.c (show_ip, show_trace_log_lvl). The per-version facts below were
 * read in each version's tree (docs/verified-facts.md, "Kernel report layout").
 *
 * What the model does not have is left out rather than invented: register values (pstate, sp,
 * x0–x29, RSP/EFLAGS/RAX…), the "Code:" bytes, symbol offsets (printed `+0x…/0x…`), and the call
 * trace when the run kept no call chain (only traced runs do: `run --trace`, explain, the web page).
 */
import type { Kernel } from "../kernel.js";
import { isWalkHit } from "../mm/pgtable.js";
import { kernel_symbol } from "./warn-sites.js";
import { Arm64 } from "../arch/arm64/memory.js";
import { kasan_non_canonical_hook } from "../mm/mm-debug.js";

/** What differs between the versions' report code, read in each tree. */
interface ReportFacts {
  /** print_oops_end_marker prints a random oops_id (init_oops_id, get_random_bytes) — before 5.17 — instead of 0ULL */
  randomOopsId: boolean;
  /** dump_stack_print_info: "CPU: %d UID: %u PID: %d Comm: …" (6.12.19 and 6.18.35 trees; not in 6.6.63) */
  uid: boolean;
  /** dump_stack_print_info prints print_tainted_verbose() ("Tainted: [W]=WARN") on its own line when tainted (6.12.19, 6.18.35) */
  taintVerbose: boolean;
  /** dump_stack_print_info prints preempt_model_str() after the version (6.18.35) */
  preemptModel: boolean;
  /** taint_flags, in bit order: c_true characters ('P' prints 'G' when clear) */
  taintFlags: string;
  /** x86 show_trace_log_lvl prints " <TASK>" / " </TASK>" around the task stack (5.15.178 tree on; not in 5.14-rc5) */
  x86TaskMarkers: boolean;
  /** arm64 mem_abort_decode prints "  ESR = 0x%016lx" (5.15.178, 5.19 on) instead of "0x%08x" */
  arm64EsrWide: boolean;
  /** arm64 mem_abort_decode prints "  FSC = 0x%02lx: %s" (5.14-rc5 on; not in 5.12.9) */
  arm64Fsc: boolean;
  /** arm64 data_abort_decode prints ISS2, TnD/TagAccess and the GCS/Overlay/DirtyBit/Xs line (6.6.63 on; not in 6.1.166) */
  arm64Iss2: boolean;
  /** arm64 __die: "Internal error: %s: %016lx [#%d]" (5.15.178, 6.1+) instead of "%x"; 6.18 drops S_PREEMPT */
  arm64DieErr: "x" | "016lx" | "016lx-nopreempt";
  /** arm64 dump_backtrace_entry marks the entry unwound from the regs' pc with " (P)" (6.18.35) */
  arm64TraceSource: boolean;
  /** ARM32 dump_backtrace_entry without CONFIG_BACKTRACE_VERBOSE: " %ps from %pS" (5.17 tree on); before: "[<%08lx>] (%ps) from [<%08lx>] (%pS)", addresses the model does not have */
  armConcise: boolean;
}

const FLAGS_5 = "PFSRMBUDAWCIOELKXT";
const FLAGS_6 = FLAGS_5 + "N";

const FACTS: Record<string, ReportFacts> = {
  "5.6": { randomOopsId: true, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_5, x86TaskMarkers: false, arm64EsrWide: false, arm64Fsc: false, arm64Iss2: false, arm64DieErr: "x", arm64TraceSource: false, armConcise: false },
  "5.10": { randomOopsId: true, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_5, x86TaskMarkers: false, arm64EsrWide: false, arm64Fsc: false, arm64Iss2: false, arm64DieErr: "x", arm64TraceSource: false, armConcise: false },
  // no 5.13 tree: 5.12.9 and 5.14-rc5 agree on everything but the FSC line (absent in 5.12.9, present in 5.14-rc5): 5.12.9's
  "5.13": { randomOopsId: true, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_5, x86TaskMarkers: false, arm64EsrWide: false, arm64Fsc: false, arm64Iss2: false, arm64DieErr: "x", arm64TraceSource: false, armConcise: false },
  "5.14": { randomOopsId: true, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_5, x86TaskMarkers: false, arm64EsrWide: false, arm64Fsc: true, arm64Iss2: false, arm64DieErr: "x", arm64TraceSource: false, armConcise: false },
  "5.15": { randomOopsId: true, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_5, x86TaskMarkers: true, arm64EsrWide: true, arm64Fsc: true, arm64Iss2: false, arm64DieErr: "016lx", arm64TraceSource: false, armConcise: false },
  "5.19": { randomOopsId: false, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_5, x86TaskMarkers: true, arm64EsrWide: true, arm64Fsc: true, arm64Iss2: false, arm64DieErr: "x", arm64TraceSource: false, armConcise: true },
  "6.1": { randomOopsId: false, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_6, x86TaskMarkers: true, arm64EsrWide: true, arm64Fsc: true, arm64Iss2: false, arm64DieErr: "016lx", arm64TraceSource: false, armConcise: true },
  "6.6": { randomOopsId: false, uid: false, taintVerbose: false, preemptModel: false, taintFlags: FLAGS_6, x86TaskMarkers: true, arm64EsrWide: true, arm64Fsc: true, arm64Iss2: true, arm64DieErr: "016lx", arm64TraceSource: false, armConcise: true },
  "6.12": { randomOopsId: false, uid: true, taintVerbose: true, preemptModel: false, taintFlags: FLAGS_6, x86TaskMarkers: true, arm64EsrWide: true, arm64Fsc: true, arm64Iss2: true, arm64DieErr: "016lx", arm64TraceSource: false, armConcise: true },
  "6.18": { randomOopsId: false, uid: true, taintVerbose: true, preemptModel: true, taintFlags: FLAGS_6 + "J", x86TaskMarkers: true, arm64EsrWide: true, arm64Fsc: true, arm64Iss2: true, arm64DieErr: "016lx-nopreempt", arm64TraceSource: true, armConcise: true },
};

/** include/linux/panic.h TAINT_* bit numbers the model sets. */
export const TAINT_BAD_PAGE = 5;
export const TAINT_DIE = 7;
export const TAINT_WARN = 9;

/** kernel/panic.c taint_flags[].desc (the TAINT_FLAG macro's #taint) for the verbose form. */
const TAINT_DESC = ["PROPRIETARY_MODULE", "FORCED_MODULE", "CPU_OUT_OF_SPEC", "FORCED_RMMOD", "MACHINE_CHECK", "BAD_PAGE", "USER", "DIE", "OVERRIDDEN_ACPI_TABLE", "WARN", "CRAP", "FIRMWARE_WORKAROUND", "OOT_MODULE", "UNSIGNED_MODULE", "SOFTLOCKUP", "LIVEPATCH", "AUX", "RANDSTRUCT", "TEST", "FWCTL"];

/** The report facts of a version (the nearest older modelled one for an id the table lacks). */
function facts(k: Kernel): ReportFacts {
  return FACTS[k.version.id] ?? FACTS["5.19"]!;
}

/** kernel/panic.c print_tainted (5.6–6.18): "Not tainted" or "Tainted: " and one character per flag. */
export function print_tainted(k: Kernel): string {
  const f = facts(k);
  if (!k.tainted_mask) return "Not tainted";
  return "Tainted: " + [...f.taintFlags].map((c, i) => (k.tainted_mask & (1 << i) ? c : c === "P" ? "G" : " ")).join("");
}

/** kernel/panic.c print_tainted_verbose (6.12, 6.18): "Tainted: [W]=WARN, [D]=DIE". */
export function print_tainted_verbose(k: Kernel): string {
  const f = facts(k);
  const set = [...f.taintFlags].map((c, i) => (k.tainted_mask & (1 << i) ? `[${c}]=${TAINT_DESC[i]}` : "")).filter(Boolean);
  return `Tainted: ${set.join(", ")}`;
}

/** kernel/panic.c add_taint (all versions). */
export function add_taint(k: Kernel, flag: number): void {
  k.tainted_mask |= 1 << flag;
}

/** init_utsname()->release of the version's tree: "5.19.0", "6.1.166", "5.14.0-rc5" (Makefile VERSION.PATCHLEVEL.SUBLEVEL-EXTRAVERSION). */
export function uts_release(k: Kernel): string {
  const m = /\((\d+)\.(\d+)(?:\.(\d+))?(?:-(rc\d+))?\)\s*$/.exec(k.version.tree);
  if (!m) return `${k.version.id}.0`;
  return `${m[1]}.${m[2]}.${m[3] ?? "0"}${m[4] ? `-${m[4]}` : ""}`;
}

/**
 * dump_stack_arch_desc_str: what the firmware names the machine (arm64 setup_machine_fdt "%s (DT)"
 * from the DT model; ARM32 the machine_desc name). Empty where the model does not know the
 * board's DMI/DT name: dump_stack_print_info then prints no "Hardware name:" line.
 */
function arch_desc(k: Kernel): string {
  if (k.platform.id.startsWith("rpi4")) return "Raspberry Pi 4 Model B (DT)"; // bcm2711-rpi-4-b.dts model
  if (k.arch.name === "arm") return "Generic DT based system"; // arch/arm/kernel/devtree.c DT_MACHINE_START(GENERIC_DT, …)
  return "";
}

/** kernel/sched/core.c preempt_model_str (6.18): the modelled configs are arm64 defconfig (CONFIG_PREEMPT), x86_64 defconfig (PREEMPT_VOLUNTARY with PREEMPT_DYNAMIC), ARM32 without preemption. */
function preempt_model_str(k: Kernel): string {
  if (k.arch.name === "arm64") return "PREEMPT";
  if (k.arch.name === "x86_64") return "PREEMPT(voluntary)";
  return "NONE";
}

/** lib/dump_stack.c dump_stack_print_info (5.6–6.18), with this version's format. */
export function dump_stack_print_info(k: Kernel): string[] {
  const f = facts(k);
  const who = f.uid ? `CPU: 0 UID: 0 PID: ${k.current.pid}` : `CPU: 0 PID: ${k.current.pid}`;
  const tail = f.preemptModel ? ` ${preempt_model_str(k)} ` : ""; // "%.*s %s " BUILD_ID_FMT with CONFIG_STACKTRACE_BUILD_ID off: a trailing space
  const out = [`${who} Comm: ${k.current.comm.slice(0, 20)} ${print_tainted(k)} ${uts_release(k)} #1${tail}`];
  if (f.taintVerbose && k.tainted_mask) out.push(print_tainted_verbose(k));
  const desc = arch_desc(k);
  if (desc) out.push(`Hardware name: ${desc}`);
  return out;
}

/** kernel/panic.c print_oops_end_marker: the random oops_id (incremented on each later report) before 5.17, 0 since. */
export function print_oops_end_marker(k: Kernel): string {
  let id = 0n;
  if (facts(k).randomOopsId) {
    // init_oops_id: get_random_bytes once, then oops_id++; the model's "random" bytes are fixed so runs replay
    k.oops_id = k.oops_id === 0n ? 0x3f1c2d9e8a7b6051n : (k.oops_id + 1n) & 0xffffffffffffffffn;
    id = k.oops_id;
  }
  return `---[ end trace ${id.toString(16).padStart(16, "0")} ]---`;
}

/** %pS of a modelled function: the symbol with the offset and size the model does not have. */
function pS(fn: string): string {
  return `${fn}+0x…/0x…`;
}

/**
 * The frames of the report, innermost first: the function the WARN/fault is in (a WARN site in a
 * header is a static inline function: its code is inside its caller), then its callers as far as
 * the model's call chain goes. Undefined when the run kept no chain.
 */
function frames(pc: string | undefined, at: string | undefined, chain: readonly string[] | undefined): string[] | undefined {
  if (!chain?.length) return undefined;
  let c = [...chain];
  if (pc && !c.includes(pc)) c.push(pc); // a leaf the trace does not enter (kvmalloc_node): called by the chain's innermost function
  else while (c.length && pc && c[c.length - 1] !== pc) c.pop();
  if (!c.length) return undefined;
  if (at && /\.h:\d+$/.test(at) && c.length > 1) c.pop(); // inlined into its caller
  return c.reverse();
}

/** frames() with each function under the name this version's tree gives it. */
function framesOf(k: Kernel, pc: string | undefined, at: string | undefined, chain: readonly string[] | undefined): string[] | undefined {
  return frames(pc, at, chain)?.map((fn) => kernel_symbol(k, fn));
}

/** arm64 show_regs' pc/lr lines and dump_backtrace's "Call trace:" (regs from the BRK or the abort). */
function arm64Regs(k: Kernel, fr: string[] | undefined, pc: string | undefined): string[] {
  const f = facts(k);
  const out: string[] = [];
  const top = fr?.[0] ?? pc;
  if (top) out.push(`pc : ${pS(top)}`);
  if (fr && fr.length > 1) out.push(`lr : ${pS(fr[1]!)}`);
  if (fr) {
    out.push("Call trace:");
    fr.forEach((fn, i) => out.push(` ${pS(fn)}${i === 0 && f.arm64TraceSource ? " (P)" : ""}`));
  }
  return out;
}

/** x86 show_regs (show_ip's RIP line) and show_trace_log_lvl's "Call Trace:" with the task-stack markers of the version. */
function x86Regs(k: Kernel, fr: string[] | undefined, pc: string | undefined): string[] {
  const f = facts(k);
  const out: string[] = [];
  const top = fr?.[0] ?? pc;
  if (top) out.push(`RIP: 0010:${pS(top)}`);
  if (fr) {
    out.push("Call Trace:");
    if (f.x86TaskMarkers) out.push(" <TASK>");
    for (const fn of fr.slice(1)) out.push(` ${pS(fn)}`);
    if (f.x86TaskMarkers) out.push(" </TASK>");
  }
  return out;
}

/**
 * ARM32 warn_slowpath_fmt → __warn → dump_stack → dump_stack_lvl → show_stack → unwind_backtrace
 * (CONFIG_ARM_UNWIND, the AEABI default): each unwound frame as "callee from caller+off/size",
 * from unwind_backtrace itself down to the outermost modelled caller (5.17 tree on).
 */
function armBacktrace(k: Kernel, fr: string[] | undefined): string[] {
  if (!fr || !facts(k).armConcise) return [];
  const all = ["unwind_backtrace", "show_stack", "dump_stack_lvl", "__warn", "warn_slowpath_fmt", ...fr];
  return all.slice(0, -1).map((fn, i) => ` ${fn} from ${pS(all[i + 1]!)}`);
}

/**
 * kernel/panic.c __warn as reached on each arch (5.6–6.18): arm64 and x86 take the BUG-table
 * path (__warn_printk's message first, then report_bug with regs: show_regs), ARM32 warn_slowpath_fmt
 * (the message after the WARNING line; no regs: dump_stack; its
 * backtrace before 5.17 prints addresses the model does not have and is left out). `printed` is the WARN's
 * own message (WARN(cond, fmt…) / dev_WARN*), absent for a bare WARN_ON(cond). The taint W is
 * added after the report, as add_taint at the end of __warn does.
 */
export function __warn(k: Kernel, o: { printed?: string; pc?: string; at?: string; chain?: readonly string[]; inlinedInto?: string }): string[] {
  const fr = framesOf(k, o.pc, o.at, o.chain);
  // without a call chain, a WARN in a header's static inline is named by the function it was inlined into, as with one
  const inl = o.at && /\.h:\d+$/.test(o.at) ? o.inlinedInto : undefined;
  const sym = fr?.[0] ?? (inl ? kernel_symbol(k, inl) : o.pc ? kernel_symbol(k, o.pc) : "?");
  const out = ["------------[ cut here ]------------"];
  // where the WARN's own message lands (include/asm-generic/bug.h __WARN_printf, 5.6.4–6.18.35): arm64 and x86 define
  // __WARN_FLAGS (arch/*/include/asm/bug.h), so __warn_printk prints CUT_HERE and the message before the BRK / UD2 trap
  // whose report_bug calls __warn; ARM32 defines none, so warn_slowpath_fmt prints CUT_HERE and passes the message to
  // __warn as args, which vprintk's it after the "WARNING: CPU:" line (5.6.4 kernel/panic.c :563–572, 6.18.35 :877–890)
  const warnFlags = k.arch.name !== "arm";
  if (o.printed && warnFlags) out.push(o.printed);
  out.push(o.at ? `WARNING: CPU: 0 PID: ${k.current.pid} at ${o.at} ${pS(sym)}` : `WARNING: CPU: 0 PID: ${k.current.pid} at ${pS(sym)}`);
  if (o.printed && !warnFlags) out.push(o.printed);
  out.push("Modules linked in:");
  out.push(...dump_stack_print_info(k));
  if (k.arch.name === "arm64") out.push(...arm64Regs(k, fr, sym));
  else if (k.arch.name === "x86_64") out.push(...x86Regs(k, fr, sym));
  else out.push(...armBacktrace(k, fr));
  out.push(print_oops_end_marker(k));
  add_taint(k, TAINT_WARN);
  return out;
}

/**
 * What a modelled WARN record's message says the kernel printed: the model writes a bare
 * WARN_ON(cond) / WARN_ON_ONCE(cond) as "WARNING: …" (a description, no printed line) and a
 * WARN with a format either as the printed text itself or as "WARNING: at <file> <function>: <text>".
 */
export function warn_printed(message: string): string | undefined {
  if (!message.startsWith("WARNING:")) return message;
  const m = /^WARNING: at \S+ \w+: (.*)$/.exec(message);
  return m && !/^WARN_ON/.test(m[1]!) ? m[1] : undefined;
}

/** arch/arm64 ESR of a kernel data abort: EC 0x25 (DABT_CUR), IL, the translation level's FSC, WnR for a write; ISV = 0. */
function arm64_esr(level: number, write: boolean): number {
  return (0x25 * 2 ** 26) + 2 ** 25 + (write ? 1 << 6 : 0) + 0x04 + level;
}

/** The ARMv8 translation level at which a kernel-context walk of `addr` finds no entry (reserved TTBR0 for a user-half address). */
function arm64_fault_level(k: Kernel, addr: number): number {
  const names = k.arch.L.geometry.names;
  const start = 4 - names.length; // VA48: level 0 (pgd); VA39: level 1
  if (addr >= 0) return start; // TTBR0 = reserved_pg_dir: nothing at the first level
  const w = k.pgd.walk(addr);
  if (isWalkHit(w)) return 3;
  const m = /^(\w+) /.exec(w.missing);
  const i = m ? names.indexOf(m[1]!) : -1;
  return start + (i >= 0 ? i : names.length - 1);
}

/**
 * arch/arm64/mm/fault.c die_kernel_fault (5.6–6.18): the "Unable to handle kernel …" line, from
 * 5.17 (07b742a4d912) with CONFIG_KASAN kasan_non_canonical_hook's line, mem_abort_decode /
 * data_abort_decode with this version's fields, show_pte's line (from the
 * arch), then traps.c __die ("Internal error: Oops: …", modules, show_regs, the call trace) and
 * oops_exit's end marker. WnR is 1 for a store (o.write), 0 for a load.
 */
export function die_kernel_fault(k: Kernel, o: { addr: number; first: string; pte: readonly string[]; pc?: string; chain?: readonly string[]; write?: boolean }): string[] {
  const f = facts(k);
  const level = arm64_fault_level(k, o.addr);
  const esr = arm64_esr(level, !!o.write);
  const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");
  const out = [o.first];
  // kasan_non_canonical_hook(addr) (5.17+, 07b742a4d912; a no-op stub without generic/SW_TAGS KASAN)
  if (k.cfg.CONFIG_KASAN && k.sw["07b742a4d912"] && k.arch instanceof Arm64) out.push(...kasan_non_canonical_hook(k, o.addr, k.arch.kasanShadow()));
  out.push("Mem abort info:");
  out.push(f.arm64EsrWide ? `  ESR = 0x${hex(esr, 16)}` : `  ESR = 0x${hex(esr, 8)}`);
  out.push("  EC = 0x25: DABT (current EL), IL = 32 bits", "  SET = 0, FnV = 0", "  EA = 0, S1PTW = 0");
  if (f.arm64Fsc) out.push(`  FSC = 0x${hex(0x04 + level, 2)}: level ${level} translation fault`);
  out.push("Data abort info:");
  const iss = esr % 2 ** 25;
  if (f.arm64Iss2) {
    out.push(`  ISV = 0, ISS = 0x${hex(iss, 8)}, ISS2 = 0x00000000`);
    out.push(`  CM = 0, WnR = ${o.write ? 1 : 0}, TnD = 0, TagAccess = 0`);
    out.push("  GCS = 0, Overlay = 0, DirtyBit = 0, Xs = 0");
  } else {
    out.push(`  ISV = 0, ISS = 0x${hex(iss, 8)}`);
    out.push(`  CM = 0, WnR = ${o.write ? 1 : 0}`);
  }
  out.push(...o.pte);
  const err = f.arm64DieErr === "x" ? hex(esr, 1) : hex(esr, 16);
  out.push(`Internal error: Oops: ${err} [#1]${f.arm64DieErr === "016lx-nopreempt" ? " " : " PREEMPT"} SMP`);
  out.push("Modules linked in:");
  out.push(...dump_stack_print_info(k));
  const fr = framesOf(k, o.pc, undefined, o.chain);
  out.push(...arm64Regs(k, fr, o.pc && kernel_symbol(k, o.pc)));
  add_taint(k, TAINT_DIE); // __die → oops_enter … add_taint(TAINT_DIE) in die()
  out.push(print_oops_end_marker(k));
  return out;
}
