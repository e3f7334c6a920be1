#!/usr/bin/env bash
# The operator dashboard (/portal/admin) in headless Chromium, both components under real
# `spin up` with the sample backend. Screenshots go to
# ${CARGO_TARGET_DIR:-target}/dashboard-screenshots/.
#
#   scripts/dashboard-test.sh     (after building both components, as scripts/browser-test.sh)
#
# Needs: the Spin CLI (scripts/spin-app.sh finds it), chromium, node and npm, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

target_root="${CARGO_TARGET_DIR:-$PWD/target}"
gateway_wasm="${TOLLGATE_WASM:-$target_root/wasm32-wasip2/release/tollgate.wasm}"
portal_wasm="${TOLLGATE_PORTAL_WASM:-$target_root/portal/wasm32-wasip2/release/tollgate_portal.wasm}"
screenshots="$target_root/dashboard-screenshots"
[ -f "$gateway_wasm" ] || { echo "error: $gateway_wasm is missing" >&2; exit 1; }
[ -f "$portal_wasm" ] || { echo "error: $portal_wasm is missing" >&2; exit 1; }
command -v chromium >/dev/null || { echo "error: chromium is missing (apt-get install chromium)" >&2; exit 1; }

if [ ! -d tests/browser/node_modules/playwright-core ]; then
    (cd tests/browser && npm ci --no-audit --no-fund)
fi

work=$(mktemp -d)
pids=()
cleanup() { stop_spin_apps; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

. scripts/test-host.sh
. scripts/spin-app.sh
start_sample_backend "$work/backend.log"
admin_key="dashboard-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
start_spin_app "$work/app" "$gateway_wasm" "$portal_wasm" \
    --variable "admin_key=$admin_key" --variable "weather_backend=http://127.0.0.1:$backend_port"

rm -rf "$screenshots"
mkdir -p "$screenshots"
if ! PORTAL_BASE="$host_url" ADMIN_KEY="$admin_key" SCREENSHOTS="$screenshots" \
        node tests/browser/dashboard.test.mjs; then
    tail -n 40 "$work/app/spin.log" >&2
    exit 1
fi
echo "screenshots: $screenshots"
