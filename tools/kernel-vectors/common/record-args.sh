# dmasim kernel-vectors: what every target's record.sh starts with, sourced right after `set -euo pipefail`:
#   . "$(dirname "$0")/../common/record-args.sh" "$@"
# reads the arguments TREE OUT [COMMIT] [NAME] into TREE (absolute), OUT, COMMIT (default "unknown") and
# NAME (default the tree directory's name), sets HERE to the target's directory and ver to the tree's
# x.y.z from its top Makefile (the version is only a file name: a target's behaviour is read from the
# tree's text, never from ver). Our own code (MIT).
TREE=$(cd "$1" && pwd); OUT=$2; COMMIT=${3:-unknown}; NAME=${4:-$(basename "$TREE")}
HERE=$(cd "$(dirname "$0")" && pwd)
ver=$(awk -F' = ' '/^VERSION =/{v=$2} /^PATCHLEVEL =/{p=$2} /^SUBLEVEL =/{s=$2} END{print v"."p"."s}' "$TREE/Makefile")

# kv_block FILE RE: a definition of FILE, from the line matching RE down to the first line starting with "}"
kv_block() { awk -v re="$2" 'grab { print; if ($0 ~ /^}/) exit; next } $0 ~ re { print; grab = 1 }' "$1"; }
