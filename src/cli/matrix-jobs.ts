/**
 * How many threads `dmasim matrix` uses by default. Its own module (node builtins only, through
 * workers.ts) so the early start of the workers (matrix-prestart.ts) can ask before the engine loads.
 */
import { cores } from "./workers.js";

/** Below this many cells the default is the in-process path (a worker's start-up costs more than it saves). */
export const PARALLEL_MIN_CELLS = 300;

/** The default number of workers for a matrix of `cells` runs. */
export function defaultJobs(cells: number): number {
  return cells < PARALLEL_MIN_CELLS ? 1 : Math.min(cores(), 8);
}
