import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files that take longest start first, so they overlap the rest instead of trailing it: the misuse
 * sweep (hostile-engine, ~50–65 s of one worker: on a fresh clone vitest has no timings and started
 * it at ~105 s of a ~170 s run, alone for its last 20 s), then those that wait on npm, a browser, tsc
 * or spawned CLIs more than they compute; after them vitest's own order (slowest first once it has
 * timings from an earlier run, largest file first before that).
 */
const FIRST = [
  "test/hostile-engine.test.ts",
  "test/package.test.ts",
  "test/e2e/web.test.ts",
  "test/user-walk.test.ts",
  "test/e2e/web-typecheck.test.ts",
  "test/hostile.test.ts",
  "test/scale.test.ts",
  "test/cli.test.ts",
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = FIRST.findIndex((p) => f.moduleId.replaceAll("\\", "/").endsWith(p));
      return i < 0 ? FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

/**
 * Sized for a 2-core machine that may be busy: two workers (vitest's default is cores − 1, one
 * worker here, which leaves the second core idle while a test waits on a spawned CLI, npm or the
 * browser), and timeouts generous enough that no test depends on an idle machine — the suite
 * asserts results, never wall-clock time. test/global-setup.ts builds dist/ first.
 *
 * isolate: false — the files a worker runs share one module graph (the engine is loaded and
 * transformed once per worker, not once per file: about a quarter of the unit tests' CPU time).
 * The engine keeps no state between boots, so this is safe; a test file must not rely on fresh
 * module state or module mocks (vi.mock) — give such a file its own project if one is ever needed.
 *
 * Budget: the whole suite is about 300 test-seconds over the two workers (stop 20: 2,092 tests) and
 * should finish in about 2 minutes on 2 cores. Keep a new test file to a few CPU-seconds: a spawned CLI costs about 0.1–0.3 s of CPU (`headline` 0.7 s),
 * so test in-process (buildProgram, as test/bench.test.ts does) where the process boundary is not
 * the point; fast-check runs take a fixed seed and as few runs as still cover the property.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "threads",
    maxWorkers: 2,
    minWorkers: 1,
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    sequence: { sequencer: LongestFirst },
  },
});
