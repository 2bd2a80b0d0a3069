#!/usr/bin/env bash
# The standard comparison: builds the node and the bench in release mode, installs the Socket.IO
# peer from npm, and runs rtt100 on node, floor and peer, interleaved. Extra arguments go to the
# bench, e.g. `bench/run.sh all` for every preset or `bench/run.sh compare --rounds 5`.
# Needs Postgres on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix bench/peer --no-audit --no-fund --loglevel=error
cargo build --release -p servihub-chat -p servihub-bench
target_dir="${CARGO_TARGET_DIR:-target}"
if [ "$#" -eq 0 ]; then set -- compare; fi
exec "$target_dir/release/servihub-bench" "$@"
