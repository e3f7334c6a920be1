#!/usr/bin/env bash
# A local scale-out demo: N `spin up` processes of this app behind nginx (round-robin), all on
# one Redis store, with the sample backend. The closest this machine gets to a cluster.
#
#   scripts/scale-out.sh            # N=3
#   scripts/scale-out.sh -n 4       # more instances
#
# It shows, through the load balancer:
#   1. exact limits across instances: 40 concurrent calls on a Basic key (10 calls a minute)
#      admit exactly 10, whichever instance each call reached;
#   2. shared caching: the first forecast call fills the cache, every later one is a hit on
#      every instance (Age header), and the backend saw one call;
#   3. a load run (wrk, 10 s, 32 connections) of the cache hit and of the Premium full chain.
# Needs: nginx, redis-server, wrk, curl, python3 (installed with apt-get when run as root),
# a Spin CLI (spin on PATH or ../shared/tools/spin/spin), and the built components
# (scripts/test.sh builds them; or spin build).
set -euo pipefail
cd "$(dirname "$0")/.."

instances=3
while [ $# -gt 0 ]; do
    case "$1" in
        -n) instances="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "error: unknown argument $1 (see scripts/scale-out.sh --help)" >&2; exit 2 ;;
    esac
done

missing=()
for tool in nginx redis-server wrk curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    packages=("${missing[@]}")
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing ${packages[*]} (apt-get install ${packages[*]})"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}") >/dev/null
    else
        echo "error: missing ${missing[*]}: apt-get install ${packages[*]}" >&2; exit 1
    fi
fi
. scripts/spin-app.sh
find_spin
[ -n "$spin_cli" ] || { echo "error: no Spin CLI: install Spin (https://spinframework.dev/install)" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-$PWD/target}"
gateway_wasm="${TOLLGATE_WASM:-$target/wasm32-wasip2/release/tollgate.wasm}"
portal_wasm="${TOLLGATE_PORTAL_WASM:-$target/portal/wasm32-wasip2/release/tollgate_portal.wasm}"
for wasm in "$gateway_wasm" "$portal_wasm"; do
    [ -f "$wasm" ] || { echo "error: $wasm is missing: spin build (or scripts/test.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() { stop_spin_apps; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

. scripts/test-host.sh
start_sample_backend "$work/backend.log"
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export TOLLGATE_SPIN_REDIS="redis://127.0.0.1:$redis_port"

echo "==> starting $instances spin up processes on one Redis ($TOLLGATE_SPIN_REDIS)"
upstreams=""
for i in $(seq 1 "$instances"); do
    start_spin_app "$work/app-$i" "$gateway_wasm" "$portal_wasm" \
        --variable admin_key=change-me --variable "weather_backend=http://127.0.0.1:$backend_port"
    echo "   instance $i: $host_url"
    upstreams+="        server ${host_url#http://};"$'\n'
done

lb_port=$(free_port)
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    log_format upstreamlog '\$upstream_addr \$status \$request_uri';
    access_log $work/nginx-access.log upstreamlog;
    upstream tollgate {
$upstreams        keepalive 64;
    }
    server {
        listen 127.0.0.1:$lb_port;
        location / {
            proxy_pass http://tollgate;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
}
NGINX
nginx -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
lb="http://127.0.0.1:$lb_port"
for _ in $(seq 1 100); do curl -s -o /dev/null "$lb/" && break; sleep 0.1; done
echo "==> nginx on $lb (round-robin over $instances instances)"

admin=(-H 'Authorization: Bearer change-me' -H 'Content-Type: application/json')
subscribe() { curl -s -X POST "$lb/admin/subscriptions" "${admin[@]}" -d "{\"name\": \"scale-out\", \"scope\": \"/products/$1\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["primaryKey"])'; }

echo "==> 1. exact limits: 40 concurrent calls on a Basic key (rate limit: 10 calls a minute)"
basic=$(subscribe basic)
: >"$work/nginx-access.log"
seq 1 40 | xargs -P 40 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Ocp-Apim-Subscription-Key: $basic" "$lb/weather/current/oslo" >"$work/statuses"
admitted=$(grep -c '^200$' "$work/statuses" || true)
limited=$(grep -c '^429$' "$work/statuses" || true)
spread=$(awk '{print $1}' "$work/nginx-access.log" | sort | uniq -c | awk '{printf "%s calls on %s; ", $1, $2}')
echo "   admitted $admitted, limited (429) $limited; the calls reached: $spread"
[ "$admitted" = 10 ] && [ "$limited" = 30 ] || { echo "FAIL: expected exactly 10 admitted and 30 limited" >&2; exit 1; }

echo "==> 2. shared caching: 12 forecast calls through the balancer (cached 60 s per city)"
premium=$(subscribe premium)
hits=0
for i in $(seq 1 12); do
    age=$(curl -s -D - -o /dev/null -H "Ocp-Apim-Subscription-Key: $premium" "$lb/weather/forecast/bergen" | tr -d '\r' | awk -F': ' 'tolower($1)=="age" {print $2}')
    [ -n "$age" ] && hits=$((hits + 1))
done
echo "   $hits of 12 answered from the shared cache (the first one filled it)"
[ "$hits" = 11 ] || { echo "FAIL: expected 11 cache hits" >&2; exit 1; }

echo "==> 3. load: wrk -t1 -c32 -d10s through nginx, a fresh Premium key (600 calls a minute)"
for scenario in "cache hit|/weather/forecast/bergen" "full chain|/weather/current/oslo"; do
    name=${scenario%%|*}; path=${scenario#*|}
    key=$(subscribe premium)
    wrk -t1 -c32 -d10s --latency -H "Ocp-Apim-Subscription-Key: $key" "$lb$path" >"$work/wrk.txt" 2>&1 || true
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    total=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
    p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt"); p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
    limited=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
    printf '   %-10s %8s calls/s  p50 %-8s p99 %-8s  %s calls: %s admitted, %s answered 429\n' \
        "$name" "$rps" "$p50" "$p99" "$total" "$((total - ${limited:-0}))" "${limited:-0}"
done
echo "   (admitted calls stay within the key's 600 a minute across all instances: the sliding"
echo "   window admits at most 600 in any fixed minute, see docs/limits.md)"
echo "scale-out: $instances instances agreed on every limit and shared one cache"
