#!/usr/bin/env bash
# Rolling restart (or rolling update) of the compose cluster's `node` replicas, one at a time,
# with no moment where fewer than the current number of replicas serve:
#   for each running replica: start one more (the current image, so a freshly built image rolls
#   out this way), wait until Docker reports it healthy, then stop the old one with SIGTERM (it
#   stops accepting, closes sockets with 1001, flushes its writes, exits 0) and remove it.
#
#   scripts/rolling-restart.sh                 # restart every replica
#   docker compose build node && scripts/rolling-restart.sh   # roll out a new image
#
# `docker compose restart node` instead stops every replica at once: about 5 s with nothing to
# answer. Extra `docker compose` options (e.g. `-p NAME`, `-f FILE`) go in COMPOSE_ARGS.
# Needs Docker Compose v2.
set -euo pipefail
cd "$(dirname "$0")/.."

SERVICE=${SERVICE:-node}
HEALTH_TIMEOUT_S=${HEALTH_TIMEOUT_S:-90}
# nginx re-resolves the service name every 5 s: give it that long to send traffic to a new
# replica before the next old one goes.
SETTLE_S=${SETTLE_S:-6}
read -r -a extra <<<"${COMPOSE_ARGS:-}"
compose() { docker compose "${extra[@]}" "$@"; }

docker compose version >/dev/null 2>&1 || {
  echo "rolling-restart: needs Docker Compose v2 (docker compose)" >&2
  exit 1
}

mapfile -t old < <(compose ps -q "$SERVICE")
count=${#old[@]}
[ "$count" -gt 0 ] || {
  echo "rolling-restart: no running $SERVICE replicas" >&2
  exit 1
}
echo "rolling-restart: replacing $count $SERVICE replicas one at a time"

healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ]; }

for c in "${old[@]}"; do
  before=" $(compose ps -q "$SERVICE" | tr '\n' ' ') "
  out=$(compose up -d --no-deps --no-build --no-recreate --scale "$SERVICE=$((count + 1))" \
    "$SERVICE" 2>&1) || {
    echo "$out" >&2
    exit 1
  }
  new=""
  for id in $(compose ps -q "$SERVICE"); do
    [[ "$before" == *" $id "* ]] || new=$id
  done
  [ -n "$new" ] || {
    echo "rolling-restart: no new $SERVICE replica started; stopping here, $c untouched" >&2
    exit 1
  }
  deadline=$((SECONDS + HEALTH_TIMEOUT_S))
  until healthy "$new"; do
    [ "$SECONDS" -lt "$deadline" ] || {
      echo "rolling-restart: $(docker inspect -f '{{.Name}}' "$new") not healthy after ${HEALTH_TIMEOUT_S}s; stopping here, $c untouched" >&2
      exit 1
    }
    sleep 1
  done
  sleep "$SETTLE_S"
  name=$(docker inspect -f '{{.Name}}' "$c")
  docker stop -t 30 "$c" >/dev/null
  code=$(docker inspect -f '{{.State.ExitCode}}' "$c")
  docker rm "$c" >/dev/null
  echo "rolling-restart: ${name#/} replaced (exit $code)"
done
sleep "$SETTLE_S"
echo "rolling-restart: done, $(compose ps -q "$SERVICE" | wc -l) replicas"
