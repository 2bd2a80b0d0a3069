#!/usr/bin/env bash
# Fuzzes the frame decoders, the token verifier, the SSE cursor and the multipart parser with
# afl.rs (stable toolchain). Each target runs for SECONDS (default 600) from fuzz/corpus/<target>;
# crashes land in fuzz/out/<target>/default/crashes and fail the run.
#   scripts/fuzz.sh                      # every target, 10 minutes each
#   SECONDS_PER_TARGET=10 scripts/fuzz.sh  # a short run (the test command's bounded random-input
#                                          # test, tests/fuzz_inputs.rs, covers the same checks)
#   scripts/fuzz.sh cursor jwt           # some targets
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
per="${SECONDS_PER_TARGET:-600}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(codec_json codec_msgpack jwt cursor multipart)

command -v cargo-afl >/dev/null || cargo install cargo-afl --locked
# afl-fuzz checks the core-dump pattern and CPU governor; on a shared machine skip both checks.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_BENCH_UNTIL_CRASH=1
nice -n 10 cargo afl build --release

status=0
mkdir -p out
for t in "${targets[@]}"; do
  out="out/$t"
  rm -rf "$out"
  echo "== $t: ${per}s"
  nice -n 10 cargo afl fuzz -V "$per" -i "corpus/$t" -o "$out" "target/release/$t" >"out-$t.log" 2>&1 || true
  stats="$out/default/fuzzer_stats"
  if [ -f "$stats" ]; then
    grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|stability)' "$stats" \
      | tr -s ' ' | sed 's/^/   /'
  else
    echo "   afl did not start; see fuzz/out-$t.log" && tail -n 20 "out-$t.log" && status=1
  fi
  crashes=$( (find "$out/default/crashes" -type f ! -name README.txt 2>/dev/null || true) | wc -l)
  if [ "$crashes" -gt 0 ]; then
    echo "   $crashes crashing inputs in fuzz/$out/default/crashes" && status=1
  fi
done
exit $status
