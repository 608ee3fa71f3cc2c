import { defineConfig } from "vitest/config";

/**
 * Sized for a 2-core machine that may be busy: two workers (vitest's default is cores − 1, one
 * worker here, which leaves the second core idle while a test waits on a spawned CLI), and
 * timeouts generous enough that no test depends on an idle machine — the suite asserts results,
 * never wall-clock time.
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
  },
});
