#!/usr/bin/env bash
# Makes this machine ready for the tests, idempotently: starts Postgres and Redis when they are
# down, installs Debian's Chromium (browser tests) and the Rust test tools when missing.
set -euo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
if command -v rustup >/dev/null && ! rustup component list --installed | grep -q '^llvm-tools'; then
  rustup component add llvm-tools
fi
command -v cargo-llvm-cov >/dev/null || cargo install cargo-llvm-cov --locked
