/**
 * The one typed event stream. Every modelled kernel function reports into it; the CLI trace,
 * `explain`, JSON results, golden tests and the web page are views of it.
 *
 * Recording is cheap when nobody listens: kernel code writes `k.tr?.enter(...)`, and `k.tr` is
 * undefined unless a run asked for a trace.
 */

/** A kernel symbol with its source file. */
export interface Sym {
  readonly name: string;
  readonly file: string;
}

export type TraceEvent =
  | { kind: "call"; depth: number; fn: string; file: string; args?: Record<string, string> }
  | { kind: "ret"; depth: number; fn: string; ret?: string }
  | { kind: "decision"; depth: number; fn: string; test: string; taken: boolean; why: string }
  | { kind: "note"; depth: number; text: string }
  /** `phys` is the address RAM is accessed at; on an x86 PV dom0 that is a machine address, and `pseudo` the pseudo-physical address the kernel knows it by (absent: -1 when the frame is not dom0's) */
  | { kind: "mem"; depth: number; op: "read" | "write"; who: "cpu" | "device" | "user"; addr: string; phys: string; len: number; via: string; pseudo?: string }
  | { kind: "cache"; depth: number; op: "clean" | "invalidate" | "flush"; phys: string; len: number; lines: number }
  | { kind: "walk"; depth: number; va: string; result: string }
  | { kind: "swiotlb"; depth: number; op: "map" | "unmap" | "bounce"; index: number; nslots: number; tlb_addr: string; detail: string }
  | { kind: "fault"; depth: number; fault: string; message: string }
  | { kind: "diagnostic"; depth: number; id: string; message: string }
  /**
   * A kernel tracepoint that fired (include/trace/events/*.h): `system:event`, the task and CPU it
   * fired on, its timestamp in ns (the trace clock), and `text`, its TP_printk output in the
   * running kernel's own format. ftrace's line format is a view (src/format/ftrace.ts).
   */
  | { kind: "tracepoint"; depth: number; system: string; event: string; comm: string; pid: number; cpu: number; ts_ns: number; text: string; ctx?: FtraceCtx };

/**
 * The shape of ftrace's context columns where the running kernel's differs from 5.15+'s (pid
 * printed %-7d, five latency columns): kernel/trace/trace_output.c per version
 * (src/kernel/trace/trace_output.ts). Absent on 5.15+ events.
 */
export interface FtraceCtx {
  pid_width: 5 | 7;
  lat_cols: 4 | 5;
}

export class Tracer {
  readonly events: TraceEvent[] = [];
  depth = 0;
  readonly stack: string[] = [];
  /** Cap on retained events so a long fuzz run cannot exhaust memory. */
  constructor(readonly cap = 200_000) {}

  private push(e: TraceEvent) {
    if (this.events.length < this.cap) this.events.push(e);
  }

  enter(sym: Sym, args?: Record<string, string>) {
    this.push(args ? { kind: "call", depth: this.depth, fn: sym.name, file: sym.file, args } : { kind: "call", depth: this.depth, fn: sym.name, file: sym.file });
    this.stack.push(sym.name);
    this.depth++;
  }

  exit(ret?: string) {
    this.depth = Math.max(0, this.depth - 1);
    const fn = this.stack.pop() ?? "?";
    this.push(ret === undefined ? { kind: "ret", depth: this.depth, fn } : { kind: "ret", depth: this.depth, fn, ret });
  }

  /** Unwind to a given depth (used when a fault aborts a call chain). */
  unwindTo(depth: number) {
    while (this.depth > depth) this.exit("(aborted)");
  }

  decide(test: string, taken: boolean, why: string) {
    this.push({ kind: "decision", depth: this.depth, fn: this.stack[this.stack.length - 1] ?? "", test, taken, why });
  }

  note(text: string) {
    this.push({ kind: "note", depth: this.depth, text });
  }

  mem(op: "read" | "write", who: "cpu" | "device" | "user", addr: string, phys: string, len: number, via: string, pseudo?: string) {
    if (pseudo === undefined) this.push({ kind: "mem", depth: this.depth, op, who, addr, phys, len, via });
    else this.push({ kind: "mem", depth: this.depth, op, who, addr, phys, len, via, pseudo });
  }

  cache(op: "clean" | "invalidate" | "flush", phys: string, len: number, lines: number) {
    this.push({ kind: "cache", depth: this.depth, op, phys, len, lines });
  }

  walk(va: string, result: string) {
    this.push({ kind: "walk", depth: this.depth, va, result });
  }

  swiotlb(op: "map" | "unmap" | "bounce", index: number, nslots: number, tlb_addr: string, detail: string) {
    this.push({ kind: "swiotlb", depth: this.depth, op, index, nslots, tlb_addr, detail });
  }

  fault(fault: string, message: string) {
    this.push({ kind: "fault", depth: this.depth, fault, message });
  }

  diagnostic(id: string, message: string) {
    this.push({ kind: "diagnostic", depth: this.depth, id, message });
  }

  tracepoint(system: string, event: string, comm: string, pid: number, cpu: number, ts_ns: number, text: string, ctx?: FtraceCtx) {
    this.push(ctx ? { kind: "tracepoint", depth: this.depth, system, event, comm, pid, cpu, ts_ns, text, ctx } : { kind: "tracepoint", depth: this.depth, system, event, comm, pid, cpu, ts_ns, text });
  }

  /** Events from index `from` on (a step's slice). */
  since(from: number): TraceEvent[] {
    return this.events.slice(from);
  }
}

/** Declare a kernel symbol once, at module level, so hot paths pass a constant. */
export function sym(name: string, file: string): Sym {
  return { name, file };
}

/** Render events as an indented call tree (the CLI `--trace` and `explain` views). */
export function renderTrace(events: readonly TraceEvent[], fmtFile = true): string[] {
  const out: string[] = [];
  for (const e of events) {
    const pad = "  ".repeat(e.depth);
    switch (e.kind) {
      case "call": {
        const args = e.args ? "(" + Object.entries(e.args).map(([k, v]) => `${k}=${v}`).join(", ") + ")" : "()";
        out.push(`${pad}→ ${e.fn}${args}${fmtFile ? `  [${e.file}]` : ""}`);
        break;
      }
      case "ret":
        if (e.ret !== undefined) out.push(`${pad}  ← ${e.fn} = ${e.ret}`);
        break;
      case "decision":
        out.push(`${pad}? ${e.test}: ${e.taken ? "yes" : "no"} — ${e.why}`);
        break;
      case "note":
        out.push(`${pad}· ${e.text}`);
        break;
      case "mem":
        out.push(`${pad}· ${e.who} ${e.op} ${e.len} B at ${e.addr} (${e.pseudo === undefined ? `phys ${e.phys}` : `machine ${e.phys}, pseudo-phys ${e.pseudo}`}, ${e.via})`);
        break;
      case "cache":
        out.push(`${pad}· cache ${e.op} phys ${e.phys} +${e.len} (${e.lines} line${e.lines === 1 ? "" : "s"})`);
        break;
      case "walk":
        out.push(`${pad}· walk ${e.va}: ${e.result}`);
        break;
      case "swiotlb":
        out.push(`${pad}· swiotlb ${e.op} index ${e.index} nslots ${e.nslots} tlb_addr ${e.tlb_addr} ${e.detail}`);
        break;
      case "fault":
        out.push(`${pad}! ${e.fault.toUpperCase()}: ${e.message}`);
        break;
      case "diagnostic":
        out.push(`${pad}! ${e.id}: ${e.message}`);
        break;
      case "tracepoint":
        out.push(`${pad}· trace_${e.event}: ${e.text}`);
        break;
    }
  }
  return out;
}
