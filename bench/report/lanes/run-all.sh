#!/usr/bin/env bash
# Measurement sequence for the perf branch; each preset logs the machine's load before and after.
set -u
cd /work/wt-perf
B=bench/run.sh
OUT=bench/results
mkdir -p $OUT
log=/tmp/perf-bench/uptime.log
step() {
  echo "== $(date -u +%H:%M:%S) before $*: $(uptime)" >> $log
  nice -n 10 $B "$@" --out $OUT >> /tmp/perf-bench/out.log 2>> /tmp/perf-bench/err.log
  echo "== $(date -u +%H:%M:%S) after $* rc=$?: $(uptime)" >> $log
}
step compare --targets node,floor,peer --rounds 3
step light --targets node,floor,peer --rounds 3
step cost --targets node,peer
step throughput --targets node,peer
step idle --targets node
step scale --targets node
step fanout --targets node
step cluster --targets node --rounds 3
echo DONE >> $log
