#!/usr/bin/env bash
# Soak: one node at moderate load for DURATION seconds (default 600): SOCKETS sockets (default
# 300: customer/agent pairs, each pair in its own conversation) each sending RATE messages/s
# (default 1) through the bench harness, while RSS, open file descriptors, Postgres connections,
# queue depths and stored messages are sampled every 10 s into a CSV. At the end: acked vs
# stored (0 lost expected) and the first/last/max of each sample.
#   scripts/soak.sh                         # 10 minutes, 300 sockets, 300 msg/s
#   DURATION=60 SOCKETS=100 scripts/soak.sh  # a short one
#   PROFILE=release scripts/soak.sh         # the release build (default: the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-600}"
sockets="${SOCKETS:-300}"
rate="${RATE:-1}"
profile="${PROFILE:-debug}"
admin="${TEST_DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}"
db="shc_soak_$(date +%s)"
out="${OUT:-target/soak}"
mkdir -p "$out"
csv="$out/soak.csv"
secret="soak-secret-0123456789abcdef0123456789"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

flag=""
[ "$profile" = release ] && flag="--release"
nice -n 10 cargo build $flag --bin servihub-chat -p servihub-chat
nice -n 10 cargo build $flag -p servihub-bench
bin="target/$profile/servihub-chat"
bench="target/$profile/servihub-bench"

export DATABASE_URL="$admin/$db" JWT_SECRET="$secret" HOST=127.0.0.1 PORT="$port" \
  LOG_FORMAT=pretty RUST_LOG=warn NODE_ID=soak RATE_LIMIT_MESSAGES=100000
unset REDIS_URL
"$bin" migrate
"$bin" seed --businesses $((sockets / 2 + 1)) >/dev/null
"$bin" serve >"$out/node.log" 2>&1 &
node=$!
cleanup() {
  kill "$node" 2>/dev/null || true
  wait "$node" 2>/dev/null || true
  psql "$admin/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.1
done

metric() { # sum of a metric's samples in /metrics text (0 when absent)
  awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%d", s }' <<<"$2"
}
p99() { # the highest 0.99 quantile of a summary metric across its labels
  awk -v m="$1" 'index($1, m "{") == 1 && index($1, "quantile=\"0.99\"") { if ($2 > x) x = $2 } END { printf "%d", x }' <<<"$2"
}
echo "t_s,rss_kb,fds,pg_connections,persist_queue,bridge_outbox,outbound_queue_p99,bridge_dropped,events_dropped,slow_disconnects,sessions,stored_messages,load_1m" >"$csv"
sample() {
  local t=$1 m rss fds pgc stored
  m=$(curl -fs "http://127.0.0.1:$port/metrics" || true)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$node/status" 2>/dev/null || echo 0)
  fds=$(ls "/proc/$node/fd" 2>/dev/null | wc -l)
  pgc=$(psql "$admin/postgres" -Atqc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'" 2>/dev/null || echo -1)
  stored=$(psql "$admin/$db" -Atqc "SELECT count(*) FROM messages" 2>/dev/null || echo -1)
  echo "$t,$rss,$fds,$pgc,$(metric chat_persistence_queue_depth "$m"),$(metric chat_bridge_outbox_depth "$m"),$(p99 chat_outbound_queue_depth "$m"),$(metric chat_bridge_dropped_total "$m"),$(metric chat_events_dropped_total "$m"),$(metric chat_slow_consumer_disconnects_total "$m"),$(metric chat_sessions "$m"),$stored,$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
}

start=$(date +%s)
sample 0
nice -n 5 "$bench" rtt100 --targets node --node-url "http://127.0.0.1:$port" --jwt-secret "$secret" \
  --node-pid "$node" --sockets "$sockets" --rate "$rate" --duration "$duration" --rounds 1 \
  --out "$out/bench" >"$out/bench.log" 2>&1 &
load=$!
while kill -0 "$load" 2>/dev/null; do
  sleep 10
  sample $(($(date +%s) - start))
done
wait "$load" || { echo "the bench failed; see $out/bench.log"; tail -n 20 "$out/bench.log"; exit 1; }
sleep 2
sample $(($(date +%s) - start))

report=$(ls -t "$out"/bench/*.json 2>/dev/null | head -n 1 || true)
stored=$(psql "$admin/$db" -Atqc "SELECT count(*) FROM messages")
python3 - "$csv" "$report" "$stored" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"== {len(rows)} samples in {sys.argv[1]}")
for col in ["rss_kb", "fds", "pg_connections", "persist_queue", "bridge_outbox", "outbound_queue_p99", "bridge_dropped", "events_dropped", "slow_disconnects", "sessions", "load_1m"]:
    vals = [float(r[col]) for r in rows]
    # after the first minute: connected and warm
    warm = [float(r[col]) for r in rows if float(r["t_s"]) >= 60] or vals
    print(f"  {col:17} first {vals[0]:>10.1f}  warm-min {min(warm):>10.1f}  warm-max {max(warm):>10.1f}  last {vals[-1]:>10.1f}")
# The seed's own messages were there before the load.
stored = int(sys.argv[3]) - int(rows[0]["stored_messages"])
if sys.argv[2]:
    data = json.load(open(sys.argv[2]))
    reps = data if isinstance(data, list) else data.get("reports", [data])
    for r in reps:
        if not isinstance(r, dict) or "acked" not in r:
            continue
        lost = max(0, r["acked"] - stored)
        print(f"  sockets {r['sockets']} sent {r['sent']} acked {r['acked']} delivered {r['delivered']} stored by the load {stored} "
              f"acked-not-stored {lost} errors {r['errors']} reconnects {r['reconnects']} ack p50/p90/p99 {r['ack'].get('p50_ms')}/{r['ack'].get('p90_ms')}/{r['ack'].get('p99_ms')} ms")
        if lost:
            sys.exit("acked messages missing from the database")
PY
