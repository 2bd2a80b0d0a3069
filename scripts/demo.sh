#!/usr/bin/env bash
# Builds the widget and the node, then runs the node in demo mode on PORT (default 3000).
set -euo pipefail
cd "$(dirname "$0")/.."
(cd widget && npm ci --no-audit --no-fund && npm run build)
exec cargo run --release --bin servihub-chat -- serve --demo
