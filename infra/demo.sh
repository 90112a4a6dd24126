#!/usr/bin/env bash
# The fleet's main job end to end, on the embedded default: the portal simulator (a batch request fails with
# HTTP 503 once the run is well under way), two upsert workers, a delete worker, the event gateway and a pull worker; an ERP batch of
# 1,240 deals and 200 service tickets with late updates, out-of-order versions, deletes and a few invalid messages;
# then people editing deals on the portal, whose changes flow back to `b24.changes` while the events of the fleet's
# own writes are recognised as echoes. It ends with `syncctl status`.
#
# The injected 503 is the portal's QUERY_LIMIT_EXCEEDED: the batch it refuses waits in a retry delay and goes again.
# The rollback trigger does not count such pacing refusals as failed writes, so the run goes on; a portal that fails
# writes (HTTP 500, time-outs, permanent errors) on more than 3% of them trips the fleet, and `syncctl status` says
# why.
#
# Run through `./infra/dev.sh demo`, which starts RabbitMQ and PostgreSQL, builds, and runs `syncctl setup` first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${SYNC_BIN:?run through ./infra/dev.sh demo}"
STATE="${SYNC_DEMO_DIR:-$ROOT/.local/demo}"
SIM_PORT="${SYNC_SIM_PORT:-8090}"
PORTAL="${SYNC_DEMO_PORTAL:-acme.bitrix24.ru}"
FAULT_AFTER="${SYNC_DEMO_FAULT_AFTER:-400}"
GATEWAY_PORT="${GATEWAY_PORT:-8088}"
EDITS="${SYNC_DEMO_PORTAL_EDITS:-20}"
mkdir -p "$STATE"
pids=()

stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

echo "[demo] starting the portal simulator on 127.0.0.1:$SIM_PORT ($PORTAL; a batch request will fail with 503)"
"$BIN/portal-sim" --port "$SIM_PORT" --portal "$PORTAL" \
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

"$BIN/syncctl" resume >/dev/null 2>&1 || true
for replica in 1 2; do
    "$BIN/upsert-worker" >"$STATE/upsert-worker-$replica.log" 2>&1 &
    pids+=($!)
done
"$BIN/delete-worker" >"$STATE/delete-worker.log" 2>&1 &
pids+=($!)
GATEWAY_PORT="$GATEWAY_PORT" "$BIN/event-gateway" >"$STATE/event-gateway.log" 2>&1 &
pids+=($!)
"$BIN/pull-worker" >"$STATE/pull-worker.log" 2>&1 &
pids+=($!)
echo "[demo] running 2 upsert workers, 1 delete worker, the event gateway on :$GATEWAY_PORT and 1 pull worker"
echo "[demo]   (logs in $STATE)"

# What flows back from the portal: a queue of the demo's own on b24.changes, for counting.
"$BIN/syncctl" setup >/dev/null
curl -sf -X PUT -H 'content-type: application/json' -d '{"durable":false,"auto_delete":false}' \
    "$MANAGEMENT/api/queues/$VHOST/demo.portal-changes" >/dev/null
curl -sf -X DELETE "$MANAGEMENT/api/queues/$VHOST/demo.portal-changes/contents" >/dev/null || true
for key in '*.changed' '*.deleted'; do
    curl -sf -X POST -H 'content-type: application/json' -d "{\"routing_key\":\"$key\"}" \
        "$MANAGEMENT/api/bindings/$VHOST/e/b24.changes/q/demo.portal-changes" >/dev/null
done
# The portal sends its deal events to the gateway, as an installed app would have bound them.
for pair in ONCRMDEALADD:deal-add ONCRMDEALUPDATE:deal-update ONCRMDEALDELETE:deal-delete; do
    curl -sf -H 'content-type: application/json' \
        -d "{\"event\":\"${pair%%:*}\",\"handler\":\"http://127.0.0.1:$GATEWAY_PORT/hooks/crm/${pair#*:}\",\"auth\":\"$(field accessToken)\"}" \
        "$(field clientEndpoint)event.bind.json" >/dev/null
done
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$GATEWAY_PORT/healthz" >/dev/null && break; sleep 0.2; done

# The injected 503: the next batch request once $FAULT_AFTER changes are done.
(
    for _ in $(seq 1 1200); do
        done_rows="$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM sync_ledger WHERE portal = '$PORTAL' AND operation = 'upsert' AND status = 'done'" 2>/dev/null || echo 0)"
        if [ "${done_rows:-0}" -ge "$FAULT_AFTER" ]; then
            curl -sf -H 'content-type: application/json' \
                -d '{"rules":[{"method":"batch","action":"http503","count":1}]}' \
                "http://127.0.0.1:$SIM_PORT/_sim/portals/$PORTAL/faults" >/dev/null
            break
        fi
        sleep 0.5
    done
) &
pids+=($!)

echo "[demo] publishing the ERP batch"
"$BIN/erp-load" --portal "$PORTAL" --deals 1240 --tickets 200 --updates 100 --out-of-order 20 --invalid 6 \
    --deletes 10 --progress --sim "http://127.0.0.1:$SIM_PORT/_sim/portals/$PORTAL"

echo
echo "[demo] people edit $EDITS deals on the portal; their changes flow back, the fleet's own writes do not"
for id in $(seq 1 "$EDITS"); do
    curl -sf -H 'content-type: application/json' -d "{\"fields\":{\"title\":\"Edited on the portal #$id\"},\"userId\":7}" \
        "http://127.0.0.1:$SIM_PORT/_sim/portals/$PORTAL/items/2/$id" >/dev/null
done
waiting() {
    curl -sf "$MANAGEMENT/api/queues/$VHOST/demo.portal-changes" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin).get("messages", 0))'
}
for _ in $(seq 1 120); do
    [ "$(waiting)" -ge "$EDITS" ] 2>/dev/null && break
    sleep 0.5
done
sleep 6  # the management API's counters lag by up to five seconds: let a late echo show, if one came back
python3 - "$DATABASE_URL" "$PORTAL" "$(waiting)" "$EDITS" <<'PY'
import subprocess, sys
url, portal, published, edits = sys.argv[1], sys.argv[2], int(sys.argv[3] or 0), int(sys.argv[4])
def sql(query):
    return subprocess.run(["psql", url, "-tAc", query], capture_output=True, text=True, check=True).stdout.split()
pulls = sql(f"SELECT count(*) FROM sync_ledger WHERE operation = 'pull' AND portal = '{portal}'")[0]
authors = dict(line.split("|") for line in sql(
    f"SELECT changed_by || '|' || count(*) FROM portal_item_mirror WHERE portal = '{portal}' GROUP BY changed_by"))
print(f"  portal events pulled:              {pulls}")
print(f"  items whose last change was ours:  {authors.get('erp', '0')} (echoes of the fleet's writes: nothing published)")
print(f"  items last changed on the portal:  {authors.get('portal', '0')}")
print(f"  published to b24.changes:          {published} <entity>.changed/.deleted (edits made: {edits})")
PY

echo
echo "[demo] syncctl status"
"$BIN/syncctl" status
