#!/usr/bin/env bash
# Fresh-clone check: clone this repository's committed HEAD into a temp directory and do what the
# README tells a new user — `npm ci && npm start`, then `npm test` — timing each step.
#
#   scripts/fresh-clone-check.sh [--fresh-cache] [--ci] [--keep]
#     --fresh-cache  an empty npm cache (as on a new machine: every package comes from the registry)
#     --ci           also run .ci/run in the clone (npm ci again, tsc, npm test, the closing line)
#     --keep         keep the clone (it is kept anyway when a step fails)
#
# Only what is committed is tested (uncommitted changes are reported, not copied). Uses no system
# browser unless one is installed (the e2e tests then take the npm one, test/e2e/browser.ts).
set -uo pipefail
fresh_cache=0 ci=0 keep=0
for a in "$@"; do
  case "$a" in
    --fresh-cache) fresh_cache=1 ;;
    --ci) ci=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--fresh-cache] [--ci] [--keep]" >&2; exit 2 ;;
  esac
done

src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) || exit 2
rev=$(git -C "$src" rev-parse HEAD) || exit 2
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] || echo "note: uncommitted changes in $src are not part of this check"

dir=$(mktemp -d "${TMPDIR:-/tmp}/dmasim-fresh-XXXXXX")
env_extra=()
if [ "$fresh_cache" = 1 ]; then env_extra+=("npm_config_cache=$dir/npm-cache"); fi
echo "fresh clone of $rev in $dir/dmasim (node $(node --version), npm $(npm --version), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"

git clone --quiet --no-checkout "$src" "$dir/dmasim" && git -C "$dir/dmasim" checkout --quiet "$rev" || { echo "clone failed"; exit 1; }
cd "$dir/dmasim" || exit 1

failed=0
step() { # step NAME COMMAND...: run, time, record
  local name=$1; shift
  local t0=$SECONDS
  echo "== $name"
  if env "${env_extra[@]}" "$@"; then echo "== $name: ok in $((SECONDS - t0)) s"
  else echo "== $name: FAILED (exit $?) after $((SECONDS - t0)) s"; failed=1; fi
}

step "npm ci && npm start" bash -c 'npm ci --no-audit --no-fund && npm start'
step "npm test" npm test
[ "$ci" = 1 ] && step ".ci/run" .ci/run

if [ "$failed" = 0 ] && [ "$keep" = 0 ]; then cd / && rm -rf "$dir"; else echo "clone kept in $dir/dmasim"; fi
[ "$failed" = 0 ] && echo "fresh-clone check: passed" || echo "fresh-clone check: FAILED"
exit $failed
