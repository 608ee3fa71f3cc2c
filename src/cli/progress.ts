/**
 * Progress for long commands (matrix, headline, fuzz, bench): one line on stderr, rewritten in
 * place (`\r` + erase line), only when stderr is a terminal. On a pipe or file it writes nothing,
 * so logs and tests see only the result. Updates are throttled; `done()` erases the line.
 */
import { escapeControls } from "../format/escape.js";

/** What the writer needs of a stream (a tty.WriteStream, or a fake in tests). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export class Progress {
  readonly enabled: boolean;
  private last = -Infinity;
  private shown = false;

  /** `now` (ms) is injectable for tests; `intervalMs` is the shortest time between two updates. */
  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 80,
  ) {
    this.enabled = stream.isTTY === true;
  }

  /** Show `text` (clipped to the terminal's width); `force` ignores the throttle. */
  update(text: string, force = false): void {
    if (!this.enabled) return;
    const t = this.now();
    if (!force && t - this.last < this.intervalMs) return;
    this.last = t;
    const width = Math.max(10, (this.stream.columns || 80) - 1);
    const line = escapeControls(text.replace(/\s+/g, " "));
    this.stream.write(`\r\x1b[2K${line.length > width ? line.slice(0, width - 1) + "…" : line}`);
    this.shown = true;
  }

  /** Erase the line (before the command prints its result). */
  done(): void {
    if (!this.enabled || !this.shown) return;
    this.stream.write("\r\x1b[2K");
    this.shown = false;
  }
}
