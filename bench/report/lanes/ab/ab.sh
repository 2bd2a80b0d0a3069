#!/usr/bin/env bash
# A/B: the node before this branch (c2aaf45) against the branch's node, same harness, interleaved.
set -u
cd /work/wt-perf
B=./target/release/servihub-bench
OLD=/tmp/perf-ab/target/release/servihub-chat
NEW=./target/release/servihub-chat
log=/tmp/perf-ab/ab.log
probe() {
  PGHOST=127.0.0.1 PGUSER=postgres nice -n 10 pgbench -n -c 1 -T 3 -f /tmp/perf-ab/floor.sql perf_fn_scratch 2>&1 | grep latency
}
run() { # name bin db lanes preset...
  local name=$1 bin=$2 db=$3 lanes=$4; shift 4
  echo "== $(date -u +%H:%M:%S) $name $*: $(uptime | sed 's/.*load/load/'); one-row commit $(probe)" >> $log
  PERSIST_LANES=$lanes nice -n 10 $B "$@" --targets node --node-bin $bin \
    --database-url postgres://postgres@127.0.0.1:5432/$db --out /tmp/perf-ab/out-$name >> /tmp/perf-ab/ab-out-$name.log 2>> /tmp/perf-ab/ab-err.log
}
for round in 1 2 3; do
  run before $OLD servihub_bench_before 1 rtt100 --rounds 1
  run lanes4 $NEW servihub_bench 4 rtt100 --rounds 1
  run lanes1 $NEW servihub_bench 1 rtt100 --rounds 1
done
run before $OLD servihub_bench_before 1 throughput
run lanes4 $NEW servihub_bench 4 throughput
run lanes1 $NEW servihub_bench 1 throughput
echo "DONE $(date -u +%H:%M:%S) $(uptime)" >> $log
