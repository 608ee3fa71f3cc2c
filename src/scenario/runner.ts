/**
 * Runs a scenario on one platform × kernel: boots the model, executes each step through the
 * modelled kernel API, records results, faults, diagnostics and the event stream, and checks
 * expectations. Modelled kernel faults are results; only bad input throws (InputError).
 * The run loop lives here; runner-objects.ts (names, arguments), runner-access.ts (CPU and device
 * accesses), runner-api.ts (DMA-API steps) and runner-ops.ts (the op table) hold the rest.
 */
import { BootFault, ConfigValueError, InputError, KernelFault, NotApplicable, OptionError, type FaultRecord } from "../core/faults.js";
import { PLATFORMS } from "../platforms/index.js";
import type { Platform } from "../platforms/platform.js";
import { Tracer, type TraceEvent } from "../core/trace.js";
import { bootCached } from "../boot-cache.js";
import { rmem_swiotlb_device_init } from "../kernel/dma/swiotlb/index.js";
import { resolveDevice, buildConfigFrom, resolveKernel, resolvePlatform } from "./config.js";
import { dataBytes, fmtBytes } from "./data.js";
import type { AddrKind, ExpectationResult, RunOptions, RunResult, Scenario, StepResult } from "./types.js";
import type { Obj, Ctx } from "./runner-objects.js";
import { PRODUCES, NotRun, err, stepMessage, type StepMsg } from "./runner-objects.js";
import { OPS, xenGrantsMissing } from "./runner-ops.js";
import { locatePath, locateStepField, locateStepItem } from "./locate.js";
export { addr_kind } from "./runner-access.js";

function faultKinds(faults: FaultRecord[]): Set<string> {
  return new Set(faults.map((f) => f.kind));
}

/** Ops that need a Xen dom0 with another domain to grant pages (drivers/xen/grant-table.c). */
const XEN_GRANT_OPS: ReadonlySet<string> = new Set(["gnttab_map", "gnttab_unmap"]);

/**
 * Whether scenario `s` applies to `platform`: a NotApplicable naming what is missing, or null.
 * A device no modelled platform has is bad input (InputError), not "not applicable".
 */
export function applicability(s: Scenario, platform: Platform, set?: Record<string, string>): NotApplicable | null {
  const at = s.deviceAt && { file: s.file, ...s.deviceAt };
  try {
    resolveDevice(platform, s.device, at);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    /* a role this platform does not have */
    if ((e as InputError & { notApplicable?: true }).notApplicable) return new NotApplicable(platform.id, e.message.replace(/^device: /, ""), at, e.message);
    /* a device name another platform has */
    const elsewhere = PLATFORMS.filter((p) => p.devices.some((d) => d.name === s.device)).map((p) => p.id);
    if (elsewhere.length === 0) throw e;
    return new NotApplicable(platform.id, `no device '${s.device}' (it is on ${elsewhere.join(", ")})`, at);
  }
  // a restricted-dma-pool is a device-tree reserved-memory region served by swiotlb (CONFIG_DMA_RESTRICTED_POOL depends on SWIOTLB)
  const fromSet = set !== undefined && Object.prototype.hasOwnProperty.call(set, "restricted_dma_pool");
  if (fromSet || (s.config && "restricted_dma_pool" in s.config)) {
    const why =
      platform.arch === "x86_64"
        ? "restricted_dma_pool: a device-tree reserved-memory region; x86 has no device tree"
        : platform.arch === "arm"
          ? "restricted_dma_pool: CONFIG_DMA_RESTRICTED_POOL depends on SWIOTLB, which 32-bit ARM without LPAE does not have"
          : null;
    if (why && fromSet) {
      // the option's value, not the file's: named as the option (and no file position)
      return Object.assign(new NotApplicable(platform.id, why, undefined, `--set restricted_dma_pool=${set.restricted_dma_pool}: does not apply to ${platform.id}: ${why.replace(/^restricted_dma_pool: /, "")}`), { fromOption: true as const });
    }
    const w = locatePath(s, ["config", "restricted_dma_pool"]);
    if (why) return new NotApplicable(platform.id, why, w && { file: s.file, ...w });
  }
  for (const st of s.steps)
    if (XEN_GRANT_OPS.has(st.op)) {
      const na = xenGrantsMissing(platform);
      if (na) return new NotApplicable(platform.id, `${st.op}: ${na}`, { line: st.line, col: st.col });
    }
  return null;
}

/**
 * Run one scenario. Throws InputError for bad input and NotApplicable when the scenario does not
 * apply to the platform (both naming the scenario's file); everything the kernel does is in the result.
 */
export function runScenario(s: Scenario, o: RunOptions = {}): RunResult {
  try {
    return runScenarioIn(s, o);
  } catch (e) {
    if (!(e instanceof InputError) || e instanceof OptionError || (e as { fromOption?: true }).fromOption) throw e;
    let where = e.where;
    // a step's error worded as the parser words one: steps[N].field (the step's path in the file) — the step's start is where's line:col
    const sm = (e as { stepMsg?: StepMsg }).stepMsg;
    const message = sm ? stepMessage(sm, where?.line !== undefined && where.col !== undefined ? locateStepItem(s, { line: where.line, col: where.col }) : undefined) : e.message;
    // an error about one argument of a step: at that argument's value, when the source can say where
    const field = (e as { field?: readonly (string | number)[] }).field;
    if (field && where?.line !== undefined && where.col !== undefined) {
      const at = locateStepField(s, { line: where.line, col: where.col }, field);
      if (at) where = { ...where, ...at };
    }
    if (s.file !== undefined && !where?.file) where = { ...where, file: s.file };
    if (where === e.where && message === e.message) throw e;
    const out = e instanceof NotApplicable ? new NotApplicable(e.platform, e.reason, where, message) : new InputError(message, where);
    // what the step error is about stays readable for a caller that words it otherwise (explain names its option)
    throw sm ? Object.assign(out, { stepMsg: sm }) : out;
  }
}

function runScenarioIn(s: Scenario, o: RunOptions): RunResult {
  // a platform or kernel the caller gave is named as that option, not blamed on the scenario's file
  const platform = resolvePlatform(o.platform ?? s.platform, o.platform !== undefined ? "platform" : undefined);
  const version = resolveKernel(o.kernel ?? s.kernel, o.kernel !== undefined ? "kernel" : undefined);
  const { cfg, shown, place } = buildConfigFrom(platform, [
    { values: s.config, file: s.file, at: (key) => locatePath(s, ["config", key]) },
    { values: o.set, option: "--set" },
  ]);
  for (const st of s.steps) if (!(st.op in OPS)) throw new InputError(`unknown op '${st.op}'`, { line: st.line, col: st.col });
  // a step's `cpu:` must be a possible CPU (nr_cpus)
  s.steps.forEach((st, index) => {
    if (st.cpu === undefined || st.cpu < (cfg.nr_cpus ?? 1)) return;
    try {
      err(st, `cpu ${st.cpu} does not exist: nr_cpus is ${cfg.nr_cpus ?? 1} (CPUs 0..${(cfg.nr_cpus ?? 1) - 1}; set config nr_cpus)`, "cpu");
    } catch (e) {
      (e as { stepMsg: StepMsg }).stepMsg.index = index;
      throw e;
    }
  });
  const na = applicability(s, platform, o.set);
  if (na) throw na;
  const devName = resolveDevice(platform, s.device, s.deviceAt && { file: s.file, ...s.deviceAt });

  let k;
  try {
    k = bootCached(platform, version, cfg); // a boot, or a copy of the configuration's template when its boot is slow (src/boot-cache.ts)
  } catch (e) {
    if (e instanceof ConfigValueError) throw place(e); // a value only the boot can check (restricted_dma_pool's base)
    if (e instanceof BootFault) return bootFaultResult(s, platform.id, version.id, devName, shown, e); // a modelled panic at boot
    // early allocations that do not fit (the kernel would panic in memblock_alloc): the options are the cause
    if (e instanceof Error && e.message.startsWith("memblock: cannot allocate")) throw new InputError(`these boot options do not fit in ${platform.id}'s RAM: ${e.message}`);
    throw e;
  }
  if (o.trace) k.tr = new Tracer();
  const dev = k.devices.get(devName)!;
  // the device's probe: of_reserved_mem_device_init on its restricted-dma-pool memory-region (5.15+)
  if (k.restricted_dma_pool) rmem_swiotlb_device_init(k, k.restricted_dma_pool, dev);
  const objs = new Map<string, Obj>();
  const steps: StepResult[] = [];
  const expectations: ExpectationResult[] = [];
  let stopped = false;
  let firstAllocKind: AddrKind | null = null;
  let firstFailure: string | null = null;
  const fail = (what: string) => {
    if (!firstFailure) firstFailure = what;
  };

  s.steps.forEach((step, index) => {
    if (stopped) {
      steps.push({ index, op: step.op, ok: false, status: "not run", result: {}, summary: "not run (the kernel oopsed, hit a BUG or locked up earlier)", trace: [] });
      return;
    }
    k.step = index;
    if (step.cpu !== undefined) k.cpu = step.cpu; // raw_smp_processor_id() from here on
    const faultsBefore = k.faults.length;
    const diagBefore = k.diagnostics.length;
    const klogBefore = k.klog.length;
    const traceBefore = k.tr ? k.tr.events.length : 0;
    const depth = k.tr?.depth ?? 0;
    const c: Ctx = { k, dev, objs, step, result: {}, summary: [], success: true };
    let notRun: string | null = null;
    try {
      OPS[step.op]!(c);
      if (step.as && !c.named && PRODUCES[step.op]) {
        const alloc = step.op === "kmalloc" ? "kmalloc" : step.op === "vmalloc" ? "vmalloc" : step.op === "alloc_pages" ? "pages" : undefined;
        objs.set(step.as, { kind: "null", of: PRODUCES[step.op]!, op: step.op, index, ret: String(c.result.ret ?? c.result.page ?? "NULL"), ...(alloc ? { alloc } : {}) });
      }
    } catch (e) {
      if (e instanceof NotRun) {
        notRun = e.why;
        // what this step would have named is as unusable as what it needed
        if (step.as && PRODUCES[step.op]) objs.set(step.as, { kind: "null", of: PRODUCES[step.op]!, op: e.src.op, index: e.src.index, ret: e.src.ret });
      } else if (e instanceof KernelFault) {
        k.tr?.unwindTo(depth);
        const rec = { ...e.record, step: index };
        k.faults.push(rec);
        c.success = false;
        c.summary.push(`${rec.kind === "oops" ? "Oops: " : rec.kind === "bug" && !rec.message.includes("kernel BUG") ? "BUG: " : ""}${rec.message}${rec.pc ? ` (pc: ${rec.pc})` : ""}`);
        stopped = true;
      } else {
        const sm = (e as { stepMsg?: StepMsg }).stepMsg;
        if (sm) sm.index = index; // for its steps[N] when the source cannot name the step's path
        throw e;
      }
    }
    if (notRun !== null) {
      const pass = !step.expect;
      if (!pass) fail(`step ${index} ${step.op}: ${notRun}, its expectations cannot hold`);
      steps.push({ index, op: step.op, ok: pass, status: "not run", result: {}, summary: notRun, trace: k.tr ? k.tr.events.slice(traceBefore) : [] });
      return;
    }
    const stepFaults = k.faults.slice(faultsBefore);
    const stepDiags = k.diagnostics.slice(diagBefore);
    for (const d of stepDiags) d.step = index;
    if (c.result.addr_kind && firstAllocKind === null && (step.op === "dma_alloc_coherent" || step.op === "dma_alloc_attrs")) firstAllocKind = c.result.addr_kind as AddrKind;
    if (c.read) c.result.data = fmtBytes(c.read);
    let ok = true;
    const check = (what: string, expected: string, actual: string, pass: boolean) => {
      expectations.push({ step: index, what, expected, actual, ok: pass });
      if (!pass) {
        ok = false;
        fail(`step ${index} ${step.op}: ${what} ${actual}, expected ${expected}`);
      }
    };
    const ex = step.expect;
    const kinds = faultKinds(stepFaults);
    if (ex) {
      if (ex.ok !== undefined) check("ok", String(ex.ok), String(c.success && !kinds.has("oops") && !kinds.has("bug") && !kinds.has("panic")), ex.ok === (c.success && !kinds.has("oops") && !kinds.has("bug") && !kinds.has("panic")));
      if (ex.returns !== undefined) check("returns", ex.returns, String(c.result.ret ?? "(nothing)"), String(c.result.ret) === ex.returns);
      if (ex.addr_kind !== undefined) check("addr_kind", ex.addr_kind, String(c.result.addr_kind ?? "(none)"), c.result.addr_kind === ex.addr_kind);
      if (ex.data !== undefined) {
        const want = dataBytes(ex.data);
        const got = c.read;
        const pass = got !== undefined && got.length >= want.length && want.every((b, i) => got[i] === b);
        check("data", fmtBytes(want), got ? fmtBytes(got.subarray(0, want.length)) : "(nothing read)", pass);
      }
      if (ex.fault !== undefined) {
        const pass = ex.fault === "none" ? stepFaults.length === 0 : kinds.has(ex.fault);
        check("fault", ex.fault, stepFaults.length ? [...kinds].join("+") : "none", pass);
      }
      if (ex.diagnostic !== undefined) check("diagnostic", ex.diagnostic, stepDiags.map((d) => d.id).join(",") || "none", ex.diagnostic === "none" ? stepDiags.length === 0 : stepDiags.some((d) => d.id === ex.diagnostic));
      if (ex.log !== undefined) {
        const lines = k.klog.slice(klogBefore).map((l) => l.message);
        const actual = lines.length ? lines.map((l) => JSON.stringify(l)).join(", ") : "none";
        check("log", ex.log === "none" ? "none" : JSON.stringify(ex.log), actual, ex.log === "none" ? lines.length === 0 : lines.some((l) => l.includes(ex.log!)));
      }
      if (ex.bounced !== undefined) check("bounced", String(ex.bounced), String(c.bounced ?? false), (c.bounced ?? false) === ex.bounced);
    }
    // a fatal or user-visible fault nobody expected fails the step
    for (const f of stepFaults) {
      if ((f.kind === "oops" || f.kind === "bug" || f.kind === "panic" || f.kind === "soft_lockup" || f.kind === "hang" || f.kind === "sigbus" || f.kind === "sigsegv" || f.kind === "bus_error") && ex?.fault !== f.kind) {
        ok = false;
        fail(`step ${index} ${step.op}: unexpected ${f.kind}: ${f.message}`);
      }
    }
    for (const f of stepFaults) if (f.kind !== "oops" && f.kind !== "bug" && f.kind !== "panic" && f.kind !== "soft_lockup" && f.kind !== "hang") c.summary.push(f.kind === "bad_page" || f.kind === "kasan" || f.kind === "slub" ? f.message : `${f.kind.toUpperCase()}: ${f.message}`);
    for (const d of stepDiags) c.summary.push(`${d.id}: ${d.message}`);
    const trace: TraceEvent[] = k.tr ? k.tr.events.slice(traceBefore) : [];
    steps.push({ index, op: step.op, ok, status: "ran", result: c.result, summary: c.summary.join("; "), trace });
  });

  let topOk = true;
  if (s.expect?.faults === "none" && k.faults.length) {
    topOk = false;
    expectations.push({ step: null, what: "faults", expected: "none", actual: k.faults.map((f) => f.kind).join(","), ok: false });
    fail(`faults: ${k.faults[0]!.kind}: ${k.faults[0]!.message}`);
  }
  if (s.expect?.diagnostics === "none" && k.diagnostics.length) {
    topOk = false;
    const d = k.diagnostics[0]!;
    expectations.push({ step: null, what: "diagnostics", expected: "none", actual: k.diagnostics.map((x) => x.id).join(","), ok: false });
    fail(`diagnostics: step ${d.step ?? "?"}: ${d.id}: ${d.message}`);
  }
  if (s.expect?.ok !== undefined) {
    const pass = steps.every((x) => x.ok) === s.expect.ok;
    if (!pass) topOk = false;
  }
  const result: RunResult = {
    scenario: s.name,
    platform: platform.id,
    kernel: version.id,
    device: dev.name,
    config: shown,
    ok: topOk && (s.expect?.ok === false ? true : steps.every((x) => x.ok)),
    steps,
    faults: k.faults.map((f) => ({ ...f })),
    diagnostics: k.diagnostics.map((d) => ({ id: d.id, message: d.message, step: d.step ?? -1, printed: d.printed })),
    expectations,
    first_alloc_kind: firstAllocKind,
    first_failure: firstFailure,
    log: k.klog.map((l) => ({ ...l })),
  };
  if (s.file) result.file = s.file;
  // the run is done and its result holds nothing of the model: its RAM and cache slabs and its swiotlb
  // slot arrays go to the next run's model (a matrix's next cell) instead of being fresh memory again
  // (a page fault per 4 KiB on first touch): `matrix scenarios --jobs 1` ≈ 5k page faults fewer (stop 25)
  k.mem.release();
  k.cache.release();
  k.io_tlb_default_mem?.releaseSlots();
  return result;
}

/** The result of a run whose kernel panicked while booting (a BootFault): the fault, the boot log up to it, every step not run. */
function bootFaultResult(s: Scenario, platform: string, kernel: string, device: string, config: RunResult["config"], e: BootFault): RunResult {
  const rec: FaultRecord = { ...e.record };
  const steps: StepResult[] = s.steps.map((step, index) => ({ index, op: step.op, ok: !step.expect, status: "not run", result: {}, summary: `not run (the kernel panicked at boot: ${rec.message})`, trace: [] }));
  const expectations: ExpectationResult[] = [];
  if (s.expect?.faults === "none") expectations.push({ step: null, what: "faults", expected: "none", actual: rec.kind, ok: false });
  const result: RunResult = {
    scenario: s.name,
    platform,
    kernel,
    device,
    config,
    ok: false, // no step ran: nothing the scenario meant to show happened
    steps,
    faults: [rec],
    diagnostics: [],
    expectations,
    first_alloc_kind: null,
    first_failure: `boot: ${rec.kind}: ${rec.message}`,
    log: e.log.map((l) => ({ ...l })) as RunResult["log"],
  };
  if (s.file) result.file = s.file;
  return result;
}
