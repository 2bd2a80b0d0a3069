#!/usr/bin/env bash
# The full fault matrix of the history checker (tests/history.rs): several rounds of every
# fault (node SIGKILL, Redis restart, node<->Redis and node<->Postgres cuts, Postgres restart,
# SIGSTOP), with longer fault windows and more clients than the fast variant of the test run.
#   scripts/faults.sh                 # 3 rounds, windows x2, 10 customers + 2 agents
#   ROUNDS=5 SCALE=30 CLIENTS=20 scripts/faults.sh
# Needs Postgres on 127.0.0.1:5432 (for the build's tests) and redis-server / Postgres server
# binaries installed (the test starts a private Redis and a private Postgres of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-target/faults-report.json}"
mkdir -p "$(dirname "$out")"
rm -f "$out"
set +e
HISTORY_ROUNDS="${ROUNDS:-3}" HISTORY_SCALE="${SCALE:-20}" HISTORY_CLIENTS="${CLIENTS:-10}" \
  HISTORY_REPORT="$out" nice -n 10 cargo test -p servihub-chat --test history -- --nocapture
rc=$?
set -e
echo "== report: $out"
cat "$out" 2>/dev/null || echo "(no report: the run stopped before its checks)"
exit $rc
