#!/usr/bin/env bash
# The developer portal in a real browser: both components (gateway on /..., portal on
# /portal/...) in the test host with the sample backend, driven by headless Chromium
# (Debian's package) through playwright-core (tests/browser/). Screenshots of each step go
# to ${CARGO_TARGET_DIR:-target}/portal-screenshots/.
#
#   scripts/browser-test.sh     (after building both components; scripts/test.sh does all of it)
#
# Needs: chromium (apt-get install chromium chromium-driver), node and npm (apt-get install
# nodejs npm), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

target_root="${CARGO_TARGET_DIR:-$PWD/target}"
gateway_wasm="${TOLLGATE_WASM:-$target_root/wasm32-wasip2/release/tollgate.wasm}"
portal_wasm="${TOLLGATE_PORTAL_WASM:-$target_root/portal/wasm32-wasip2/release/tollgate_portal.wasm}"
screenshots="$target_root/portal-screenshots"
[ -f "$gateway_wasm" ] || { echo "error: $gateway_wasm is missing: cargo build --target wasm32-wasip2 --release -p tollgate" >&2; exit 1; }
[ -f "$portal_wasm" ] || { echo "error: $portal_wasm is missing: cargo build --target wasm32-wasip2 --release -p tollgate-portal --target-dir $target_root/portal" >&2; exit 1; }
command -v chromium >/dev/null || { echo "error: chromium is missing (apt-get install chromium chromium-driver)" >&2; exit 1; }
command -v node >/dev/null || { echo "error: node is missing (apt-get install nodejs npm)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is missing (apt-get install python3)" >&2; exit 1; }

# The portal imports nothing the gateway does not (standard WASI interfaces only).
. scripts/test-host.sh
ensure_test_host
extra=$(comm -13 <("$test_host" --print-imports "$gateway_wasm") \
                 <("$test_host" --print-imports "$portal_wasm"))
[ -z "$extra" ] || { echo "error: the portal imports interfaces the gateway does not: $extra" >&2; exit 1; }

if [ ! -d tests/browser/node_modules/playwright-core ]; then
    echo "==> installing playwright-core (npm ci in tests/browser)"
    (cd tests/browser && npm ci --no-audit --no-fund)
fi

work=$(mktemp -d)
pids=()
cleanup() { stop_spin_apps; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

. scripts/spin-app.sh
start_sample_backend "$work/backend.log"

if [ "${TOLLGATE_HOST:-test-host}" = spin ]; then
    echo "==> starting the gateway (/...) and the portal (/portal/...) under spin up"
    start_spin_app "$work/app" "$gateway_wasm" "$portal_wasm" \
        --variable admin_key=change-me --variable "weather_backend=http://127.0.0.1:$backend_port"
    host_log="$work/app/spin.log"
else
    echo "==> starting the gateway (/...) and the portal (/portal/...) in the test host"
    start_test_host "$work/host.log" \
        --component "/portal/...=$portal_wasm" --component "/...=$gateway_wasm" \
        --var admin_key=change-me --var "weather_backend=http://127.0.0.1:$backend_port"
    host_log="$work/host.log"
fi
base=$host_url

echo "==> driving the portal at $base/portal/ in headless Chromium"
rm -rf "$screenshots"
mkdir -p "$screenshots"
if ! PORTAL_BASE="$base" SCREENSHOTS="$screenshots" node tests/browser/portal.test.mjs; then
    echo "--- host log ---" >&2
    tail -n 40 "$host_log" >&2
    exit 1
fi
echo "screenshots: $screenshots"
