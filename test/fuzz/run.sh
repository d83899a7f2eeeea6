#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 20), or, when FUZZ_RUNS is set, for that many inputs
# from a fixed seed: the same run every time, as the test suite wants.
# Usage: test/fuzz/run.sh [harness...]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$top/build-fuzz}
secs=${FUZZ_SECONDS:-20}
mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
inc="-I$top/common $(pkg-config --cflags apr-1)"
libs="$(pkg-config --libs apr-1 libcrypto libpsl)"
# Every httpd-free file of the common library.
srcs=$(ls "$top"/common/agw_*.c | grep -v -e agw_httpd.c -e agw_api.c)
harnesses=${*:-$(cd "$top/test/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
for h in $harnesses; do
  bin=$out/fuzz_$h
  clang $cflags $inc -o "$bin" "$top/test/fuzz/fuzz_$h.c" $srcs $libs
  mkdir -p "$out/corpus_$h"
  cp -n "$top"/test/fuzz/seeds/$h/* "$out/corpus_$h/" 2>/dev/null || true
  if [ -n "${FUZZ_RUNS:-}" ]; then
    limit="-runs=$FUZZ_RUNS -seed=1"
    echo "fuzz_$h: $FUZZ_RUNS inputs from seed 1"
  else
    limit="-max_total_time=$secs"
    echo "fuzz_$h: running for ${secs}s"
  fi
  "$bin" $limit -max_len=4096 -print_final_stats=0 \
    -artifact_prefix="$out/" \
    "$out/corpus_$h" 2>"$out/fuzz_$h.log" || { tail -40 "$out/fuzz_$h.log"; exit 1; }
  grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$out/fuzz_$h.log" | tail -1
done
