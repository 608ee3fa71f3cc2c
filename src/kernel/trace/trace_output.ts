/**
 * kernel/trace/trace_output.c trace_print_context and trace_print_lat_fmt: the per-version shape of
 * the context columns ftrace prints before each event (the view is src/format/ftrace.ts). The
 * tracepoint event carries the shape only where it differs from 5.15+'s, so later versions' events
 * are unchanged.
 *
 * - pid width: "%16s-%-5d " in 5.6.4 (trace_output.c:591) and 5.8.1; "%16s-%-7d " from 795d6379a47b
 *   "tracing: Make the space reserved for the pid wider" (5.9; 5.9.1 and 5.10.7 :591).
 * - latency columns: irqs-off, need-resched, hard/softirq and the preempt depth — four, to 5.14
 *   (5.14-rc5 :492–498); 54357f0c9149 "tracing: Add migrate-disabled counter to tracing output."
 *   (5.15; 5.15.178 :492–503) adds the migrate-disable depth as a fifth.
 */
import type { Kernel } from "../../kernel.js";
import type { FtraceCtx } from "../../core/trace.js";

/** The context shape of the running kernel's trace file, or undefined for the 5.15+ shape (pid %-7d, five columns). */
export function ftraceCtx(k: Kernel): FtraceCtx | undefined {
  if (k.sw["54357f0c9149"]) return undefined;
  return { pid_width: k.sw["795d6379a47b"] ? 7 : 5, lat_cols: 4 };
}
