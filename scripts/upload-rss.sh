#!/usr/bin/env bash
# Peak RSS of one node under 8 concurrent raw uploads of 10 MiB (docs/reliability.md, "Uploads no
# longer held whole"): a fresh database, a node on PORT, RSS sampled every 50 ms.
#   scripts/upload-rss.sh                 # each upload at 4 MiB/s
#   RATE=100M scripts/upload-rss.sh       # as fast as the machine goes
#   BIN=/path/to/other/servihub-chat scripts/upload-rss.sh   # another build, to compare
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  cargo build --bin servihub-chat
  BIN=target/debug/servihub-chat
fi
DB=shc_rss_$$
file=$(mktemp)
log=target/upload-rss-node.log
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB JWT_SECRET=rss-secret-0123456789abcdef0123456789 PORT=${PORT:-39411} HOST=127.0.0.1 LOG_JSON=true RUST_LOG=warn
$BIN migrate >/dev/null
$BIN seed >/dev/null
$BIN serve >"$log" 2>&1 &
PID=$!
trap 'kill $PID; rm -f "$file"; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
for i in $(seq 50); do curl -sf http://127.0.0.1:$PORT/health >/dev/null && break; sleep 0.1; done
head -c 10485760 /dev/urandom > "$file"
rss() { awk '/VmRSS/{print $2}' /proc/$PID/status; }
echo "idle: $(rss) kB"
peak=0
tokens=()
for u in $(seq 101 108); do
  t=$($BIN token --user $u --role CUSTOMER)
  conv=$(curl -sf -X POST -H "authorization: Bearer $t" -H 'content-type: application/json' -d '{"businessId":"1"}' http://127.0.0.1:$PORT/api/v1/conversations | sed 's/.*"id":"\([0-9]*\)".*/\1/;q')
  tokens+=("$t $conv")
done
echo "after setup: $(rss) kB"
pids=()
for tc in "${tokens[@]}"; do
  set -- $tc
  curl -s -o /dev/null -w '%{http_code} ' --limit-rate ${RATE:-4M} -H "authorization: Bearer $1" --data-binary @"$file" http://127.0.0.1:$PORT/api/v1/conversations/$2/attachments &
  pids+=($!)
done
alive() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while alive; do r=$(rss); if [ "$r" -gt "$peak" ]; then peak=$r; fi; sleep 0.05; done
wait "${pids[@]}"; echo
echo "peak during 8 x 10 MiB uploads: $peak kB; after: $(rss) kB"
