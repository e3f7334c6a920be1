#!/usr/bin/env bash
# The one test command: installs what it needs, builds the component, and runs every test
# (native tests on in-memory ports, then the real .wasm in the wasmtime test host, then the
# real-Spin suite when a Spin CLI is found).
#
#   scripts/test.sh
#
# Needs: Rust (rustup); for the Redis tests and the portal's browser test, apt (as root) or
# redis-server, chromium, node and npm on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "prerequisites"
if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is missing. Install Rust: curl --proto '=https' -sSf https://sh.rustup.rs | sh" >&2
    exit 1
fi
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    echo "installing the wasm32-wasip2 target (rustup target add wasm32-wasip2)"
    rustup target add wasm32-wasip2
fi
if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing redis-server (apt-get install redis-server) for the shared-store tests"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null
    else
        echo "warning: redis-server is missing and cannot be installed here (apt-get install redis-server);" >&2
        echo "         the Redis tests will be skipped" >&2
    fi
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]} (apt-get install ${missing[*]}) for the portal's browser test"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
    else
        echo "error: the portal's browser test needs ${missing[*]}: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

# A clean build (wasmtime for the test host, the release component) needs about 6 GB.
target_root="${CARGO_TARGET_DIR:-$PWD/target}"
mkdir -p "$target_root"
free_kb=$(df -Pk "$target_root" | awk 'NR==2 {print $4}')
if [ "${free_kb:-0}" -lt $((4 * 1024 * 1024)) ]; then
    echo "error: only $((free_kb / 1024)) MB free under $target_root; a clean build needs about 6 GB." >&2
    echo "       Free disk space (e.g. cargo clean in other checkouts) and run scripts/test.sh again." >&2
    exit 1
fi

step "building the component: cargo build --target wasm32-wasip2 --release -p tollgate"
cargo build --locked --target wasm32-wasip2 --release -p tollgate
wasm="${CARGO_TARGET_DIR:-$PWD/target}/wasm32-wasip2/release/tollgate.wasm"
echo "built $wasm ($(wc -c <"$wasm") bytes)"

# Its own target directory: the portal depends on the gateway's crate without the `component`
# feature, and in a shared one cargo would overwrite tollgate.wasm with that build.
step "building the portal: cargo build --target wasm32-wasip2 --release -p tollgate-portal --target-dir $target_root/portal"
cargo build --locked --target wasm32-wasip2 --release -p tollgate-portal --target-dir "$target_root/portal"
portal_wasm="$target_root/portal/wasm32-wasip2/release/tollgate_portal.wasm"
echo "built $portal_wasm ($(wc -c <"$portal_wasm") bytes)"

step "native tests (gateway and portal on in-memory ports, configuration loader)"
cargo test --locked -p tollgate -p tollgate-config -p tollgate-portal

features=()
command -v redis-server >/dev/null 2>&1 && features=(--features redis)
# Built once, with the features the tests use; the scripts below run this binary, so nothing
# is compiled while a start-up is being timed.
step "building the test host: cargo build -p tollgate-test-host ${features[*]} (first build of wasmtime takes a while)"
cargo build --locked -p tollgate-test-host "${features[@]}"
export TOLLGATE_TEST_HOST="$target_root/debug/tollgate-test-host"

step "end-to-end tests: the real .wasm in the test host"
TOLLGATE_WASM="$wasm" cargo test --locked -p tollgate-test-host "${features[@]}" --no-run
TOLLGATE_WASM="$wasm" cargo test --locked -p tollgate-test-host "${features[@]}"

# The benchmark takes minutes, so it is not run here; its configuration is pinned by
# tests/kv_cost.rs and the script is at least parsed.
step "scripts/bench.sh parses (bash -n; run it by hand: scripts/bench.sh)"
bash -n scripts/bench.sh
bash -n scripts/bench-bodies.sh
# The soak (30 minutes) and the 10^6-run fuzzing are run by hand; their last results are in
# docs/reliability.md.
bash -n scripts/soak.sh
bash -n scripts/fuzz.sh

step "smoke: the README walkthrough against the sample backend (scripts/smoke.sh)"
TOLLGATE_WASM="$wasm" scripts/smoke.sh

step "browser: the developer portal in headless Chromium (scripts/browser-test.sh)"
TOLLGATE_WASM="$wasm" TOLLGATE_PORTAL_WASM="$portal_wasm" scripts/browser-test.sh

step "the real-Spin suite (scripts/spin-suite.sh)"
TOLLGATE_WASM="$wasm" TOLLGATE_PORTAL_WASM="$portal_wasm" scripts/spin-suite.sh

step "all tests passed"
