import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files that take longest (they wait on npm, a browser or tsc more than they compute) start first,
 * so they overlap the rest instead of trailing it; after them vitest's own order (slowest first
 * once it has timings from an earlier run, largest file first before that).
 */
const FIRST = ["test/package.test.ts", "test/e2e/web.test.ts", "test/e2e/web-typecheck.test.ts", "test/cli.test.ts"];

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
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "threads",
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    sequence: { sequencer: LongestFirst },
  },
});
