#!/bin/sh
# dmasim kernel-vectors addr target: compile one driver against stubs/ and a kernel tree's header.
# usage: build.sh DRIVER.c OUT TREE [extra cc flags...]
set -e
here=$(cd "$(dirname "$0")" && pwd)
src=$1; out=$2; tree=$3; shift 3
gccinc=$(${CC:-gcc} -print-file-name=include)
exec ${CC:-gcc} -O1 -w -nostdinc -isystem "$gccinc" -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include \
  -I"$here/stubs" -DKV_TREE="\"$tree\"" "$@" "$here/$src" -o "$out"
