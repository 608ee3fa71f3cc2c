#!/bin/bash
# The fuzz window's work in instructions (valgrind's callgrind), which the machine's load hardly
# moves: one process of bench/.build-window/<variant>.mjs (node bench/fuzz-window.mjs [rev] builds
# after.mjs and before.mjs) with every TurboFan job on the main thread (--no-concurrent-recompilation),
# split into TurboFan's jobs (PipelineCompilationJob::ExecuteJobImpl, inclusive: the same build gives
# the same count to ±0.02 %), garbage collection (Heap::CollectGarbage, inclusive: it varies, V8's
# heuristics read the clock) and the rest (the JavaScript, the interpreter and the runtime: ±1.3 %
# over hours, less between neighbouring runs: compare A/B runs in pairs).
# Whole process: the module load included (the same for A and B). ≈ 1–3 minutes a run.
#   bench/fuzz-window-callgrind.sh after [seed=11]
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp /tmp/fuzz-window-cg.XXXXXX)
valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$out" node --no-concurrent-recompilation "$here/.build-window/$1.mjs" "${2:-11}" >/dev/null 2>&1
ann=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null)
num() { echo "$ann" | grep -m1 "$1" | awk '{gsub(",", "", $1); print $1}'; }
total=$(num "PROGRAM TOTALS")
tf=$(num "PipelineCompilationJob::ExecuteJobImpl")
gc=$(num "v8::internal::Heap::CollectGarbage(")
rm -f "$out"
echo "{\"variant\":\"$1\",\"total\":$total,\"turbofan\":${tf:-0},\"gc\":${gc:-0},\"rest\":$((total - ${tf:-0} - ${gc:-0}))}"
