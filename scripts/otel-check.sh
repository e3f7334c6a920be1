#!/usr/bin/env bash
# OpenTelemetry under real Spin: `spin up` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a
# small OTLP/HTTP receiver (scripts/otlp-receiver.py, opentelemetry-proto from PyPI in a venv),
# one call with a client `traceparent` through the gateway to the sample backend, then checks
# that the gateway's inbound span and its outbound backend call share one trace, that the
# backend call is a child within that trace, and that the gateway's log line names that trace.
#
#   scripts/otel-check.sh    (after building both components; needs the Spin CLI, python3)
set -euo pipefail
cd "$(dirname "$0")/.."

target_root="${CARGO_TARGET_DIR:-$PWD/target}"
gateway_wasm="${TOLLGATE_WASM:-$target_root/wasm32-wasip2/release/tollgate.wasm}"
portal_wasm="${TOLLGATE_PORTAL_WASM:-$target_root/portal/wasm32-wasip2/release/tollgate_portal.wasm}"
venv="${OTEL_VENV:-$target_root/otel-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet opentelemetry-proto
fi

work=$(mktemp -d)
pids=()
cleanup() { stop_spin_apps; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

. scripts/test-host.sh
. scripts/spin-app.sh
start_sample_backend "$work/backend.log"
otlp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$venv/bin/python" scripts/otlp-receiver.py --port "$otlp_port" --out "$work/spans.jsonl" &
pids+=($!)

export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port"
export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
export OTEL_BSP_SCHEDULE_DELAY=200
start_spin_app "$work/app" "$gateway_wasm" "$portal_wasm" \
    --variable admin_key=otel-check --variable "weather_backend=http://127.0.0.1:$backend_port"

trace=4bf92f3577b34da6a3ce929d0e0e4736
# The sample's weather API needs a key: make one.
key=$(curl -s -X POST -H 'authorization: Bearer otel-check' -H 'content-type: application/json' \
    -d '{"name":"otel","scope":"/products/premium"}' "$host_url/admin/subscriptions" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["primaryKey"])')
status=$(curl -s -o /dev/null -w '%{http_code}' -H "traceparent: 00-$trace-00f067aa0ba902b7-01" \
    -H "ocp-apim-subscription-key: $key" "$host_url/weather/current/oslo")
[ "$status" = 200 ] || { echo "error: the call answered $status" >&2; tail -n 20 "$work/app/spin.log" >&2; exit 1; }

for _ in $(seq 1 50); do
    grep -q "\"$trace\"" "$work/spans.jsonl" 2>/dev/null && grep -q '"client"' "$work/spans.jsonl" && break
    sleep 0.2
done
# Let the batch with the last spans arrive.
sleep 1
log=$(cat "$work/app/.spin/logs/"*tollgate*stdout* 2>/dev/null || true)
"$venv/bin/python" - "$work/spans.jsonl" "$trace" "$backend_port" <<'PY' "$log"
import json, sys
spans_file, trace, backend_port, log = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
spans = [json.loads(line) for line in open(spans_file)]
ours = [s for s in spans if s["traceId"] == trace]
print(f"{len(spans)} spans received, {len(ours)} in trace {trace}:")
for s in ours:
    print(f"  {s['kind']:<7} {s['name']:<40} span {s['spanId']} parent {s['parentSpanId']}")
inbound = [s for s in ours if s["kind"] == "server"]
outbound = [s for s in ours if s["kind"] == "client" and backend_port in json.dumps(s["attributes"])]
assert inbound, "no inbound (server) span in the client's trace"
assert outbound, "no outbound backend (client) span in the client's trace"
ids = {s["spanId"] for s in ours}
assert all(s["parentSpanId"] in ids for s in outbound), "the backend call's parent is not in the trace"
lines = [json.loads(l) for l in log.splitlines() if l.startswith("{") and '"status"' in l]
assert any(l.get("traceId") == trace and l.get("api") == "weather" for l in lines), \
    "the gateway's log line does not name the trace"
print("OK: the inbound span and the backend call share one trace; the log line names it")
PY
