#!/usr/bin/env bash
# The README's five-minute walkthrough, run against the built components with the real sample
# backend: sample backend → create a key → call with and without it → suspend → regenerate →
# delete. By default in the test host; with TOLLGATE_HOST=spin under real `spin up` on the
# repository's spin.toml (Spin's SQLite store, or TOLLGATE_SPIN_REDIS=redis://… for Redis).
#
#   scripts/smoke.sh            (after: cargo build --target wasm32-wasip2 --release -p tollgate)
#   TOLLGATE_HOST=spin scripts/smoke.sh     (after building the portal too)
set -euo pipefail
cd "$(dirname "$0")/.."

wasm="${TOLLGATE_WASM:-${CARGO_TARGET_DIR:-$PWD/target}/wasm32-wasip2/release/tollgate.wasm}"
[ -f "$wasm" ] || { echo "error: $wasm is missing: cargo build --target wasm32-wasip2 --release -p tollgate" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is missing (apt-get install python3)" >&2; exit 1; }
command -v curl >/dev/null || { echo "error: curl is missing (apt-get install curl)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() { stop_spin_apps; kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
pids=()
trap cleanup EXIT

. scripts/test-host.sh
. scripts/spin-app.sh
start_sample_backend "$work/backend.log"

if [ "${TOLLGATE_HOST:-test-host}" = spin ]; then
    portal_wasm="${TOLLGATE_PORTAL_WASM:-${CARGO_TARGET_DIR:-$PWD/target}/portal/wasm32-wasip2/release/tollgate_portal.wasm}"
    echo "==> starting the app under spin up${TOLLGATE_SPIN_REDIS:+ (store: $TOLLGATE_SPIN_REDIS)}"
    start_spin_app "$work/app" "$wasm" "$portal_wasm" \
        --variable admin_key=change-me --variable "weather_backend=http://127.0.0.1:$backend_port"
else
    echo "==> starting the gateway in the test host"
    start_test_host "$work/host.log" --component "/...=$wasm" \
        --var admin_key=change-me --var "weather_backend=http://127.0.0.1:$backend_port"
fi
gw=$host_url

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expect NAME ACTUAL PATTERN
    case "$2" in *$3*) echo "ok: $1" ;; *) fail "$1: expected *$3*, got: $2" ;; esac
}
admin=(-H 'Authorization: Bearer change-me' -H 'Content-Type: application/json')

echo "==> step 2: create a subscription to basic"
created=$(curl -s -X POST "$gw/admin/subscriptions" "${admin[@]}" -d '{"name": "Farm app", "scope": "/products/basic"}')
expect "create" "$created" '"primaryKey"'
id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$created")
key=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["primaryKey"])' <<<"$created")

echo "==> step 3: call with and without the key"
expect "call with key" "$(curl -s -H "Ocp-Apim-Subscription-Key: $key" "$gw/weather/current/oslo")" '"source": "drone-fleet"'
expect "wind (operation rewrite)" "$(curl -s -H "Ocp-Apim-Subscription-Key: $key" "$gw/weather/wind/oslo")" '"altitudeM": 120'
expect "call without key" "$(curl -s "$gw/weather/current/oslo")" '{"statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}'

echo "==> step 3b: version 2, and a body its OpenAPI schema refuses"
expect "v2 call" "$(curl -s -H "Ocp-Apim-Subscription-Key: $key" "$gw/weather/v2/current/oslo")" '"unit": "C"'
v2_post() { curl -s -X POST -H "Ocp-Apim-Subscription-Key: $key" -H 'Content-Type: application/json' -d "$1" "$gw/weather/v2/observations"; }
expect "v2 observation" "$(v2_post '{"city": "oslo", "temperatureC": 11.5}')" '"temperatureC": 11.5'
expect "v2 observation refused" "$(v2_post '{"city": "oslo", "temperatureC": 99}')" '{"statusCode": 400, "message": "Body of the request does not conform to the definition Observation'

invalid='{"statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}'
echo "==> step 4: suspend, regenerate, delete"
curl -s -X PATCH "$gw/admin/subscriptions/$id" "${admin[@]}" -d '{"state": "suspended"}' >/dev/null
expect "suspended key" "$(curl -s -H "Ocp-Apim-Subscription-Key: $key" "$gw/weather/current/oslo")" "$invalid"
curl -s -X PATCH "$gw/admin/subscriptions/$id" "${admin[@]}" -d '{"state": "active"}' >/dev/null
new=$(curl -s -X POST "$gw/admin/subscriptions/$id/regenerate-primary-key" "${admin[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["primaryKey"])')
expect "old key after regenerate" "$(curl -s -H "Ocp-Apim-Subscription-Key: $key" "$gw/weather/current/oslo")" "$invalid"
expect "new key" "$(curl -s -H "Ocp-Apim-Subscription-Key: $new" "$gw/weather/current/oslo")" '"city": "oslo"'
curl -s -X DELETE "$gw/admin/subscriptions/$id" "${admin[@]}" >/dev/null
expect "deleted key" "$(curl -s -H "Ocp-Apim-Subscription-Key: $new" "$gw/weather/current/oslo")" "$invalid"
echo "smoke: the README walkthrough works"
