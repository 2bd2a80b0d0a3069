#!/usr/bin/env bash
# Proves the container set-up on a real Docker engine (Docker Compose v2 and Node 20 needed):
# builds the images, starts the compose cluster (Postgres, Redis, 3 nodes, nginx) under its own
# project name and a free port, then checks through the load balancer:
#   /health and /ready; provisioning a business; REST send; WebSocket sessions on two replicas
#   with cross-node delivery; SSE; scale 3 -> 5 -> 3 under a steady request stream with 0 failed
#   requests; scripts/rolling-restart.sh under the same stream with 0 failed; a graceful stop
#   (every socket closed with 1001, every node container exiting 0); a restart with the data kept.
# It tears everything down (containers, network, volume) on exit, also on failure. Every wait is
# bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-shc-compose-test}
work=$(mktemp -d)
client=(node --no-warnings --experimental-websocket scripts/compose-test/client.mjs)

docker compose version >/dev/null 2>&1 || {
  echo "compose-test: needs Docker Compose v2 (docker compose)" >&2
  exit 1
}

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "== compose-test failed; last log lines:" >&2
    docker compose logs --tail 10 >&2 2>/dev/null || true
    echo "== nginx's errors and non-2xx answers:" >&2
    docker compose logs --no-log-prefix lb 2>/dev/null | grep -Ev '" (200|201|204|101) ' | tail -40 >&2 || true
  fi
  docker compose down -v --remove-orphans --timeout 30 >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

step() { echo "== $* ($((SECONDS - started)) s)"; }

# One secret for the whole run, exported so that every compose command below sees the same one
# (an operator keeps it in .env instead, see DEPLOY.md); the balancer on a free loopback port.
JWT_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
LB_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export JWT_SECRET LB_PORT
export BASE="http://127.0.0.1:${LB_PORT}"

docker compose down -v --remove-orphans >/dev/null 2>&1 || true

step "build the images"
nice -n 10 docker compose build --quiet node

wait_healthy() { # wait_healthy N: N node replicas report healthy, within 120 s
  local want=$1 deadline=$((SECONDS + 120)) n
  while :; do
    n=0
    for id in $(docker compose ps -q node); do
      [ "$(docker inspect -f '{{.State.Health.Status}}' "$id")" = healthy ] && n=$((n + 1))
    done
    [ "$n" -ge "$want" ] && return 0
    [ "$SECONDS" -lt "$deadline" ] || {
      echo "only $n of $want node replicas healthy after 120 s" >&2
      return 1
    }
    sleep 1
  done
}

wait_ready() { # the balancer answers /ready 200, within 60 s
  local deadline=$((SECONDS + 60))
  until curl -fsS -m 2 "$BASE/ready" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || {
      echo "$BASE/ready not 200 after 60 s" >&2
      return 1
    }
    sleep 1
  done
}

step "start: Postgres, Redis, 3 nodes, nginx on $BASE"
docker compose up -d --no-build >/dev/null 2>&1
wait_healthy 3
wait_ready
[ "$(docker compose ps -q node | wc -l)" -eq 3 ] || {
  echo "expected 3 node replicas" >&2
  exit 1
}

# Each replica's live sessions, for the client to tell which replica took a socket.
export SESSIONS_CMD="for c in \$(docker compose ps -q node | sort); do docker exec \$c wget -q -O - http://127.0.0.1:3000/metrics | awk '/^chat_hub_sessions /{print \$2; f=1} END{if(!f) print 0}'; done"

step "smoke: health, ready, provisioning, REST, WebSocket across replicas, SSE"
"${client[@]}" smoke "$work/state.json"

under_load() { # under_load NAME COMMAND...: runs COMMAND under a steady request stream
  local name=$1
  shift
  rm -f "$work/stop"
  "${client[@]}" load "$work/stop" "$work/$name.json" &
  local loader=$!
  sleep 3
  "$@"
  touch "$work/stop"
  wait "$loader"
  "${client[@]}" summary "$work/$name.json" "$name"
}

scale_out_and_in() {
  docker compose up -d --no-build --no-recreate --scale node=5 node >/dev/null 2>&1
  wait_healthy 5
  sleep 6 # nginx re-resolves every 5 s: the new replicas take traffic
  docker compose up -d --no-build --no-recreate --scale node=3 node >/dev/null 2>&1
  sleep 8 # the removed replicas' addresses leave nginx's cache
  [ "$(docker compose ps -q node | wc -l)" -eq 3 ]
}

step "scale 3 -> 5 -> 3 under a steady request stream"
under_load scale scale_out_and_in

step "rolling restart under a steady request stream"
under_load rolling bash scripts/rolling-restart.sh
wait_healthy 3

step "graceful stop: sockets closed with 1001, every node exits 0"
"${client[@]}" hold-sockets 6 "$work/closes.json" &
holder=$!
deadline=$((SECONDS + 30))
until [ -e "$work/closes.json.ready" ]; do
  [ "$SECONDS" -lt "$deadline" ] || {
    echo "sockets did not open" >&2
    exit 1
  }
  sleep 0.2
done
mapfile -t nodes < <(docker compose ps -q node)
docker compose stop --timeout 30 node >/dev/null 2>&1
wait "$holder"
codes=$(cat "$work/closes.json")
echo "close codes: $codes"
node -e 'const c = JSON.parse(process.argv[1]); process.exit(c.length > 0 && c.every((x) => x === 1001) ? 0 : 1)' "$codes" || {
  echo "expected every socket closed with 1001" >&2
  exit 1
}
for id in "${nodes[@]}"; do
  code=$(docker inspect -f '{{.State.ExitCode}}' "$id")
  echo "$(docker inspect -f '{{.Name}}' "$id"): exit $code"
  [ "$code" = 0 ] || exit 1
done

step "restart: down (volume kept) and up again, the data is still there"
docker compose down --timeout 30 >/dev/null 2>&1
docker compose up -d --no-build >/dev/null 2>&1
wait_healthy 3
wait_ready
"${client[@]}" check-kept "$work/state.json"

step "compose-test passed in $((SECONDS - started)) s"
