#!/usr/bin/env bash
# The write path's benchmark: prints one JSON document with the figures of issue "Upsert and delete workers".
#
#   1. end-to-end upserts per second and p50/p95/p99 latency with the simulator's limits off (a "box" portal),
#      for 1 and 2 upsert replicas;
#   2. against the default cloud limits (2 requests/s, bucket 50), 3 replicas: elapsed time for the changes,
#      QUERY_LIMIT_EXCEEDED answers, portal requests per item, and the best time the portal allows for comparison.
#
# Run through `./infra/dev.sh bench` (services up, release build, setup). Sizes: SYNC_BENCH_CHANGES (10000).
# SYNC_BENCH_PARTS (default "off1 off2 limited") picks the runs; a part left out prints null.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${SYNC_BIN:?run through ./infra/dev.sh bench}"
STATE="${SYNC_BENCH_DIR:-$ROOT/.local/bench}"
SIM_PORT="${SYNC_SIM_PORT:-8092}"
CHANGES="${SYNC_BENCH_CHANGES:-10000}"
PARTS=" ${SYNC_BENCH_PARTS:-off1 off2 limited} "
mkdir -p "$STATE"
pids=()
workers=()

stop_workers() {
    for pid in "${workers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${workers[@]}"; do wait "$pid" 2>/dev/null || true; done
    workers=()
}
stop_all() {
    stop_workers
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

"$BIN/portal-sim" --port "$SIM_PORT" --portal unlimited.bench=box --portal limited.bench=standard \
    >"$STATE/portal-sim.out" 2>"$STATE/portal-sim.log" &
pids+=($!)
for _ in $(seq 1 100); do
    [ "$(wc -l <"$STATE/portal-sim.out")" -ge 2 ] && curl -sf "http://127.0.0.1:$SIM_PORT/_sim/portals" >/dev/null && break
    sleep 0.1
done
register() {
    local line
    line="$(grep "\"$1\"" "$STATE/portal-sim.out" | head -n 1)"
    local url
    url="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["webhookUrl"])' "$line")"
    "$BIN/syncctl" portal remove "$1" --purge >/dev/null 2>&1 || true
    "$BIN/syncctl" portal add "$1" --webhook-url "$url" --plan "$2" >/dev/null
}
register unlimited.bench box
register limited.bench standard

start_workers() {
    for replica in $(seq 1 "$1"); do
        "$BIN/upsert-worker" >"$STATE/upsert-worker-$replica.log" 2>&1 &
        workers+=($!)
    done
    sleep 1
}

run_load() {
    "$BIN/erp-load" --portal "$1" --deals "$CHANGES" --tickets 0 --updates 0 --out-of-order 0 --invalid 0 \
        --timeout 1200 --json --sim "http://127.0.0.1:$SIM_PORT/_sim/portals/$1"
}

one=null two=null limited=null
if [[ "$PARTS" == *" off1 "* ]]; then
    echo "[bench] limits off, 1 replica, $CHANGES upserts" >&2
    start_workers 1
    one="$(run_load unlimited.bench)"
    stop_workers
fi
if [[ "$PARTS" == *" off2 "* ]]; then
    echo "[bench] limits off, 2 replicas, $CHANGES upserts" >&2
    start_workers 2
    two="$(run_load unlimited.bench)"
    stop_workers
fi
if [[ "$PARTS" == *" limited "* ]]; then
    echo "[bench] default limits (2/s, bucket 50), 3 replicas, $CHANGES upserts" >&2
    start_workers 3
    limited="$(run_load limited.bench)"
    stop_workers
fi

python3 - "$one" "$two" "$limited" "$CHANGES" <<'PY'
import json, sys
one, two, limited = (json.loads(a) for a in sys.argv[1:4])
changes = int(sys.argv[4])

def figures(run):
    if run is None:
        return None
    return {
        "upsertsPerSecond": round(run["throughput"], 1),
        "latencyMs": {k: round(run[f"latency{k.upper()}"] * 1000, 1) for k in ("p50", "p95", "p99")},
        "elapsedSeconds": round(run["elapsedSeconds"], 2),
        "settled": run["settled"],
    }

limited = limited or {"elapsedSeconds": 0, "throughput": 0, "latencyP50": 0, "latencyP95": 0, "latencyP99": 0,
                      "settled": 0}
portal = limited.get("portal") or {}
requests = portal.get("requests", 0)
# The best the portal allows: every change packed 50 to a batch request, the bucket of 50 spent at once, then
# 2 requests a second (the operating-time budget is not binding at the simulator's default cost per call).
minimum_requests = -(-changes // 50)
best_seconds = max(0.0, (minimum_requests - 50) / 2.0)
print(json.dumps({
    "changes": changes,
    "limitsOff": {"replicas1": figures(one), "replicas2": figures(two)},
    "defaultLimits": {
        "replicas": 3,
        **figures(limited),
        "queryLimitExceeded": portal.get("rateLimitRefusals", 0),
        "operationTimeLimit": portal.get("operatingRefusals", 0),
        "portalRequests": requests,
        "portalCallsByMethod": portal.get("callsByMethod", {}),
        "refusedShare": round(portal.get("rateLimitRefusals", 0) / requests, 4) if requests else 0,
        "portalRequestsPerItem": round(requests / changes, 4) if changes else 0,
        "bestSecondsThePortalAllows": best_seconds,
        "ratioToBest": round(limited["elapsedSeconds"] / best_seconds, 3) if best_seconds else None,
    },
}, indent=2))
PY
