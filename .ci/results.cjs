// .ci/run's verdict from vitest's JSON report: node .ci/results.cjs REPORT TYPECHECK_FAILED(0|1) REQUIRED_FILE...
// Prints what it counts and the closing line "N passed, N failed"; exits 1 when anything failed.
const path = require("path");
const r = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const typecheck = process.argv[3] === "1";
const required = process.argv.slice(4);
let extra = 0;
if (typecheck) { console.log("typecheck (tsc --noEmit) failed: counted as one failed test"); extra++; }
const skipped = r.numPendingTests + r.numTodoTests;
if (skipped > 0) { console.log(`${skipped} skipped or todo test(s): counted as failed`); extra += skipped; }
for (const f of required) {
  const file = r.testResults.find((t) => path.relative(process.cwd(), t.name) === f);
  const tests = file ? file.assertionResults : [];
  const notPassed = tests.filter((a) => a.status !== "passed");
  if (tests.length === 0) { console.log(`required ${f}: no tests ran (${file ? file.message || file.status : "absent from the results"}): counted as failed`); extra++; }
  // failed tests are in numFailedTests and skipped ones in the count above: reported, not counted again
  else if (notPassed.length > 0) console.log(`required ${f}: ${notPassed.length} of ${tests.length} tests not passed (${[...new Set(notPassed.map((a) => a.status))].join(", ")})`);
  else console.log(`required ${f}: ${tests.length} tests passed`);
}
// a file that failed outside its tests (import error, failing hook) without a failed test
for (const t of r.testResults)
  if (t.status === "failed" && !t.assertionResults.some((a) => a.status === "failed")) {
    console.log(`${path.relative(process.cwd(), t.name)} failed outside its tests: counted as one failed test`);
    extra++;
  }
if (r.numTotalTests === 0) { console.log("no tests ran"); process.exit(1); }
if (!r.success && r.numFailedTests + extra === 0) { console.log("vitest reported errors outside the tests: counted as one failed test"); extra++; }
const failed = r.numFailedTests + extra;
console.log(`${r.numPassedTests} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
