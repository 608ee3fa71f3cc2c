/**
 * ftrace's view of the tracepoint events in a run's event stream: the lines
 * /sys/kernel/tracing/trace prints for them (kernel/trace/trace_output.c trace_print_context with
 * the default options: irq-info on, record-tgid off, the "local" clock in µs; 6.12.19 and
 * 6.18.35 alike), then "<event>: <TP_printk output>".
 *
 *   "%16s-%-7d [%03d] " task-pid and CPU, the five latency columns (irqs-off, need-resched,
 *   hardirq/softirq, preempt-depth, migrate-disable: "....." in process context with interrupts
 *   on), " %5lu.%06lu: " the timestamp. An event of an older kernel carries its own shape (`ctx`:
 *   %-5d before 5.9, four latency columns before 5.15; src/kernel/trace/trace_output.ts).
 */
import type { TraceEvent } from "../core/trace.js";

type Tp = Extract<TraceEvent, { kind: "tracepoint" }>;

/** One tracepoint event as a line of the trace file. */
export function ftraceLine(e: Tp): string {
  const us = Math.floor(e.ts_ns / 1000);
  const secs = Math.floor(us / 1_000_000);
  const usec = us % 1_000_000;
  const pidw = e.ctx?.pid_width ?? 7;
  const lat = ".".repeat(e.ctx?.lat_cols ?? 5);
  return `${e.comm.padStart(16)}-${String(e.pid).padEnd(pidw)} [${String(e.cpu).padStart(3, "0")}] ${lat} ${String(secs).padStart(5)}.${String(usec).padStart(6, "0")}: ${e.event}: ${e.text}`;
}

/** The trace-file lines of every tracepoint event among `events`, in order. */
export function ftraceLines(events: readonly TraceEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) if (e.kind === "tracepoint") out.push(ftraceLine(e));
  return out;
}
