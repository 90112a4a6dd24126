#!/usr/bin/env bash
# The fleet's main job end to end, on the embedded default: the portal simulator (with 5% of its batch requests
# failing with HTTP 503), two upsert workers and a delete worker, and an ERP batch of 1,240 deals and 200 service
# tickets with late updates, out-of-order versions, deletes and a few invalid messages.
#
# Run through `./infra/dev.sh demo`, which starts RabbitMQ and PostgreSQL, builds, and runs `syncctl setup` first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${SYNC_BIN:?run through ./infra/dev.sh demo}"
STATE="${SYNC_DEMO_DIR:-$ROOT/.local/demo}"
SIM_PORT="${SYNC_SIM_PORT:-8090}"
PORTAL="${SYNC_DEMO_PORTAL:-acme.bitrix24.ru}"
FAULT_RATE="${SYNC_DEMO_FAULT_RATE:-0.05}"
mkdir -p "$STATE"
pids=()

stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

echo "[demo] starting the portal simulator on 127.0.0.1:$SIM_PORT ($PORTAL, ${FAULT_RATE} of batch requests fail with 503)"
"$BIN/portal-sim" --port "$SIM_PORT" --portal "$PORTAL" --fault "batch:http503::$FAULT_RATE" \
    >"$STATE/portal-sim.out" 2>"$STATE/portal-sim.log" &
pids+=($!)
for _ in $(seq 1 100); do
    [ -s "$STATE/portal-sim.out" ] && curl -sf "http://127.0.0.1:$SIM_PORT/_sim/portals" >/dev/null && break
    sleep 0.1
done
portal_line="$(head -n 1 "$STATE/portal-sim.out")"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$portal_line" "$1"; }

# The simulator starts empty, so whatever an earlier demo recorded or left queued for this portal is void.
MANAGEMENT="${RABBITMQ_MANAGEMENT_URL:?run through ./infra/dev.sh demo}"
VHOST="$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]).path.lstrip("/"); print(p or "%2F")' "${AMQP_URL}")"
for queue in $(curl -sf "$MANAGEMENT/api/queues/$VHOST?columns=name" | python3 -c 'import json,sys; print(" ".join(q["name"] for q in json.load(sys.stdin) if q["name"].startswith("sync.")))'); do
    curl -sf -X DELETE "$MANAGEMENT/api/queues/$VHOST/$queue/contents" >/dev/null || true
done
"$BIN/syncctl" portal remove "$PORTAL" --purge >/dev/null 2>&1 || true
"$BIN/syncctl" portal add "$PORTAL" --webhook-url "$(field webhookUrl)" --member-id "$(field memberId)" \
    --application-token "$(field applicationToken)" --plan standard >/dev/null
echo "[demo] registered $PORTAL (standard plan: 2 requests/s, bucket 50)"

for replica in 1 2; do
    "$BIN/upsert-worker" >"$STATE/upsert-worker-$replica.log" 2>&1 &
    pids+=($!)
done
"$BIN/delete-worker" >"$STATE/delete-worker.log" 2>&1 &
pids+=($!)
echo "[demo] running 2 upsert workers and 1 delete worker (logs in $STATE)"

echo "[demo] publishing the ERP batch"
"$BIN/erp-load" --portal "$PORTAL" --deals 1240 --tickets 200 --updates 100 --out-of-order 20 --invalid 6 \
    --deletes 10 --progress --sim "http://127.0.0.1:$SIM_PORT/_sim/portals/$PORTAL"
