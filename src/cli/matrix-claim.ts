/**
 * The columns of `dmasim matrix --jobs N` (platform × kernel configurations), claimed by the
 * threads as they go rather than dealt out beforehand. Each thread owns a segment of contiguous
 * columns (whole platforms where it can: a thread then JIT-compiles the code of fewer platforms
 * and sees fewer object shapes) and takes its next column from the segment's front; a thread
 * whose segment is empty takes the last column of the segment with the most left. So the
 * threads finish together whatever each one's start-up and load, and the worker that starts
 * late simply runs fewer columns. The cells are put back by index, so the result is the same.
 *
 * The state lives in a SharedArrayBuffer: one Int32 per segment, front | back << 16. What is claimed
 * is a unit of `claimUnit(columns)` consecutive columns — one column up to 2^15 − 1 columns, so a
 * unit index always fits a segment's 16-bit halves. No node:* imports.
 */

/** Units above this have no room in a segment's 16-bit halves. */
const MAX_UNITS = 0x7fff;

/** How many consecutive columns one claim takes: 1, unless there are more columns than a segment can count. */
export function claimUnit(columns: number): number {
  return Math.ceil(columns / MAX_UNITS);
}

/** The segments' state for `threads` threads over `columns` columns, the thread of `col` given by `partOf`. */
export function columnSegments(threads: number, columns: number, partOf: (col: number) => number): Int32Array {
  const state = new Int32Array(new SharedArrayBuffer(4 * threads));
  const start = new Array<number>(threads).fill(columns);
  const end = new Array<number>(threads).fill(0);
  for (let c = 0; c < columns; c++) {
    const t = partOf(c);
    start[t] = Math.min(start[t]!, c);
    end[t] = Math.max(end[t]!, c + 1);
  }
  for (let t = 0; t < threads; t++) state[t] = start[t]! < end[t]! ? start[t]! | (end[t]! << 16) : 0;
  return state;
}

/** The next column for thread `own`: its segment's front, else the back of the fullest segment; -1 when none is left. */
export function claimColumn(state: Int32Array, own: number): number {
  for (;;) {
    const v = Atomics.load(state, own);
    const f = v & 0xffff;
    const b = v >>> 16;
    if (f >= b) break;
    if (Atomics.compareExchange(state, own, v, (f + 1) | (b << 16)) === v) return f;
  }
  for (;;) {
    let best = -1;
    let left = 0;
    let seen = 0;
    for (let i = 0; i < state.length; i++) {
      const v = Atomics.load(state, i);
      const n = (v >>> 16) - (v & 0xffff);
      if (n > left) {
        best = i;
        left = n;
        seen = v;
      }
    }
    if (best < 0) return -1;
    const b = seen >>> 16;
    if (Atomics.compareExchange(state, best, seen, (seen & 0xffff) | ((b - 1) << 16)) === seen) return b - 1;
  }
}

/** The cells of claimed unit `u` (every scenario on each of its `unit` columns), as indices into the scenario-major matrix. */
export function cellsOfUnit(u: number, unit: number, scenarios: number, columns: number): number[] {
  const out: number[] = [];
  for (let col = u * unit; col < Math.min(columns, (u + 1) * unit); col++) for (let si = 0; si < scenarios; si++) out.push(si * columns + col);
  return out;
}
