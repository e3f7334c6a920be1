#!/usr/bin/env bash
# The real-Spin suite: what the README promises, under real `spin up` (Spin 4.1):
#   - tests/host/tests/spin.rs: Spin's spin-* headers (the test host must match), a forged
#     client address against ip-filter, atomic increments, a quota of 100 against 32
#     concurrent clients on one Spin (SQLite) and on two Spins behind a load balancer on one Redis;
#     `wait for="all|any"` sending its send-requests together;
#   - the README walkthrough (scripts/smoke.sh) on Spin's default SQLite store and on Redis;
#   - the portal's browser test (scripts/browser-test.sh) and the operator dashboard's
#     (scripts/dashboard-test.sh) against spin up;
#   - OpenTelemetry traces (scripts/otel-check.sh) and a 60 s schemathesis run on the admin API
#     (scripts/fuzz-admin.sh).
#
#   scripts/spin-suite.sh       (after building both components; scripts/test.sh does all of it)
#
# Finds Spin as `spin` on PATH, else ../shared/tools/spin/spin. Without one it says so loudly
# and exits 0, so scripts/test.sh goes on.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/spin-app.sh
find_spin
if [ -z "$spin_cli" ]; then
    echo "!!! SKIPPED: the real-Spin suite: no Spin CLI found (spin on PATH or ../shared/tools/spin/spin)." >&2
    echo "!!! Install Spin (https://spinframework.dev/install) and run scripts/spin-suite.sh." >&2
    exit 0
fi
# The first run of the shared wrapper unpacks the binary: do it before anything is timed.
echo "using $("$spin_cli" --version) ($spin_cli)"
export TOLLGATE_SPIN=$spin_cli

target_root="${CARGO_TARGET_DIR:-$PWD/target}"
export TOLLGATE_WASM="${TOLLGATE_WASM:-$target_root/wasm32-wasip2/release/tollgate.wasm}"
export TOLLGATE_PORTAL_WASM="${TOLLGATE_PORTAL_WASM:-$target_root/portal/wasm32-wasip2/release/tollgate_portal.wasm}"
for wasm in "$TOLLGATE_WASM" "$TOLLGATE_PORTAL_WASM"; do
    [ -f "$wasm" ] || { echo "error: $wasm is missing: build both components first (scripts/test.sh does)" >&2; exit 1; }
done

started=$SECONDS
step() { printf '\n==> spin suite: %s\n' "$*"; }

features=(--features spin)
command -v redis-server >/dev/null 2>&1 && features=(--features redis,spin)
step "cargo test -p tollgate-test-host ${features[*]} --test spin"
# Build first (the test components too, inside the first tests), then run.
cargo test --locked -p tollgate-test-host "${features[@]}" --test spin --no-run
cargo test --locked -p tollgate-test-host "${features[@]}" --test spin

step "the README walkthrough under spin up, Spin's default SQLite store"
TOLLGATE_HOST=spin scripts/smoke.sh

if command -v redis-server >/dev/null 2>&1; then
    step "the README walkthrough under spin up, on Redis (runtime-config.toml)"
    redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >/dev/null &
    redis_pid=$!
    trap 'kill $redis_pid 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    TOLLGATE_HOST=spin TOLLGATE_SPIN_REDIS="redis://127.0.0.1:$redis_port" scripts/smoke.sh
else
    echo "!!! SKIPPED: the walkthrough on Redis: redis-server is missing (apt-get install redis-server)" >&2
fi

step "the developer portal in headless Chromium, under spin up"
TOLLGATE_HOST=spin scripts/browser-test.sh

step "the operator dashboard in headless Chromium, under spin up (scripts/dashboard-test.sh)"
scripts/dashboard-test.sh

step "OpenTelemetry: the inbound span and the backend call share one trace (scripts/otel-check.sh)"
scripts/otel-check.sh

step "the admin API under schemathesis for 60 s (scripts/fuzz-admin.sh)"
scripts/fuzz-admin.sh --budget-seconds 60 --no-build

echo "spin suite: passed in $((SECONDS - started)) s"
