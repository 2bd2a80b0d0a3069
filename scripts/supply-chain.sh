#!/usr/bin/env bash
# Supply chain: `cargo deny check` (RustSec advisories, licenses, bans, sources; deny.toml) and
# `npm audit --omit=dev` of the widget's runtime dependencies. docs/reliability.md explains every
# advisory that deny.toml ignores.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deny >/dev/null || cargo install cargo-deny --locked

echo "== cargo deny: advisories, licenses, bans, sources"
# Every platform's crates are in the lock file; a build downloads only this machine's, and the
# offline checks below read the metadata of all of them.
cargo fetch --locked >/dev/null
# The advisory database is fetched from its git repository; where that is out of reach, the copy
# already on the machine (~/.cargo/advisory-dbs) is used as it is, and its age is printed.
if nice -n 10 cargo deny fetch db >/dev/null 2>&1; then
  nice -n 10 cargo deny check
else
  db=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/advisory-dbs/advisory-db-* 2>/dev/null | head -n 1 || true)
  if [ -n "$db" ]; then
    echo "advisory database not reachable: using the local copy of $(git -C "$db" log -1 --format=%cs 2>/dev/null || echo '?')"
    nice -n 10 cargo deny --offline check
  else
    echo "advisory database not reachable and no local copy: advisories skipped" >&2
    nice -n 10 cargo deny --offline check licenses bans sources
  fi
fi

echo "== npm audit: the widget's runtime dependencies"
cd widget
set +e
audit=$(npm audit --omit=dev --audit-level=low 2>&1)
rc=$?
set -e
echo "$audit"
if [ $rc -ne 0 ] && grep -q "audit endpoint returned an error" <<<"$audit"; then
  # The registry in reach does not serve the audit endpoint: say so, and list what ships.
  echo "npm audit: the registry's audit endpoint is not available here; runtime packages locked:"
  node -e '
    const lock = require("./package-lock.json");
    for (const [path, p] of Object.entries(lock.packages || {}))
      if (path && !p.dev && !p.devOptional) console.log("  " + path.replace(/^node_modules\//, "") + "@" + p.version);'
  exit 0
fi
exit $rc
