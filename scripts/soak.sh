#!/usr/bin/env bash
# The soak: mixed traffic at a moderate rate (about 18 calls a second) against the gateway
# under real `spin up` on Spin's default SQLite store, with the counter and cache sweeps
# scheduled every minute. Not part of scripts/test.sh.
#
#   scripts/soak.sh                 # 30 minutes
#   scripts/soak.sh --minutes 6
#   scripts/soak.sh --no-build      # use the .wasm already built
#
# Traffic (scripts/soak.py): Premium keys (200), cached forecasts (200, mostly hits), a Basic
# key over its 10-a-minute limit (200 or 429), calls without a key or with a wrong one (401),
# admin reads (200), and the sweeps (200). Reports errors not asked for (must be 0), the host's
# resident memory over time, the store's size (.spin/*.db*), and p50/p99 of the first 5 minutes
# against the last 5 (a fifth of a shorter run each). Exits non-zero on any error not asked for.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes=$2; shift 2 ;;
        --minutes=*) minutes=${1#*=}; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

target=${CARGO_TARGET_DIR:-$PWD/target}
wasm=$target/wasm32-wasip2/release/tollgate.wasm
if [ "$build" = 1 ]; then
    echo "==> building the gateway (wasm32-wasip2, release)"
    cargo build --quiet --target wasm32-wasip2 --release -p tollgate
fi
[ -f "$wasm" ] || { echo "error: $wasm not built" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { stop_spin_apps; kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. scripts/test-host.sh
. scripts/spin-app.sh
start_sample_backend "$work/backend.log"
admin_key=soak-$RANDOM$RANDOM
echo "==> starting the gateway under spin up (SQLite store)"
start_spin_app "$work/app" "$wasm" - \
    --variable "admin_key=$admin_key" --variable "weather_backend=http://127.0.0.1:$backend_port"
echo "    $host_url; soak for $minutes min"
mkdir -p "$target/soak"
summary=$target/soak/summary-$(date -u +%Y%m%dT%H%M%SZ).md
python3 scripts/soak.py --url "$host_url" --admin-key "$admin_key" --minutes "$minutes" \
    --pgid "${spin_groups[0]}" --store-dir "$work/app/.spin" --summary "$summary"
echo "summary: $summary"
