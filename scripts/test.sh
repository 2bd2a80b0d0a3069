#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit and integration tests against the
# local Postgres and Redis, failing below 80% line coverage) and the widget (lint, types, unit
# tests, bundle size, browser e2e).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== setup: Postgres, Redis, Chromium and the test tools"
bash scripts/setup.sh

echo "== rust: unit and integration tests, with line coverage of at least 80%"
cargo llvm-cov nextest -p servihub-chat -p servihub-actors --no-fail-fast --fail-under-lines 80
# The instrumented build is not used again; its directory is the largest of the run.
rm -rf target/llvm-cov-target

echo "== protocol: the widget's generated types match the Rust definitions"
git diff --exit-code --stat -- widget/src/protocol/generated
untracked=$(git ls-files --others --exclude-standard -- widget/src/protocol/generated)
[ -z "$untracked" ] || { echo "new generated types not committed: $untracked" >&2; exit 1; }

echo "== widget: lint, typecheck, unit tests, build and size check"
cd widget
npm ci --no-audit --no-fund
npm run lint
npm run typecheck
npm test
npm run build
echo "== widget: end-to-end in Chromium against a real node"
(cd .. && cargo build --bin servihub-chat)
CHAT_NODE_BIN="$(cd .. && pwd)/target/debug/servihub-chat" npm run e2e
cd ..

echo "== supply chain: cargo deny and npm audit of the widget's runtime packages"
bash scripts/supply-chain.sh

echo "== bench: the harness's own tests and a smoke run against the relay and a node"
BENCH_SMOKE_REQUIRE_NODE=1 cargo nextest run -p servihub-bench --no-fail-fast
