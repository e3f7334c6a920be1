#!/usr/bin/env bash
# Big bodies through the gateway against the bare pass-through (benches/passthrough), under
# real `spin up`: the time of a 1 GiB download and of a 1 GiB upload (curl, one call each, best
# of ROUNDS), and the peak resident memory of Spin's `spin trigger http` process during each
# (VmHWM, reset between calls). Tollgate runs tests/fixtures/streaming (a keyless API whose
# policies read no body, so both bodies stream); the pass-through reads each body whole.
#
#   scripts/bench-bodies.sh               # 1 GiB, 2 rounds
#   BODY_BYTES=268435456 ROUNDS=1 scripts/bench-bodies.sh
# Needs: Rust with the wasm32-wasip2 target, curl, python3, a Spin CLI (spin on PATH or
# ../shared/tools/spin/spin). Runs only on loopback; root is needed to reset VmHWM.
set -euo pipefail
cd "$(dirname "$0")/.."
bytes="${BODY_BYTES:-1073741824}"
rounds="${ROUNDS:-2}"
die() {
    echo "error: $*" >&2
    [ -n "${work:-}" ] && tail -n 5 "$work"/*/spin.log >&2
    exit 1
}
. scripts/spin-app.sh
find_spin
[ -n "$spin_cli" ] || die "no Spin CLI (spin on PATH or ../shared/tools/spin/spin)"

target="${CARGO_TARGET_DIR:-$PWD/target}"
out="$target/bench-bodies"
mkdir -p "$out"
if [ -z "${TOLLGATE_WASM:-}" ]; then
    TOLLGATE_POLICIES="$PWD/tests/fixtures/streaming" CARGO_TARGET_DIR="$target/bench-wasm" \
        cargo build --locked --target wasm32-wasip2 --release -p tollgate
    TOLLGATE_WASM="$target/bench-wasm/wasm32-wasip2/release/tollgate.wasm"
fi
if [ -z "${PASSTHROUGH_WASM:-}" ]; then
    cargo build --locked --target wasm32-wasip2 --release -p tollgate-bench-passthrough
    PASSTHROUGH_WASM="$target/wasm32-wasip2/release/tollgate_bench_passthrough.wasm"
fi

work=$(mktemp -d)
backend_pid=""
cleanup() {
    [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null
    for pid in "${spin_groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# The backend: GET /download/N answers N bytes (with Content-Length); any other call reads
# its Content-Length body and answers how many bytes it got.
cat >"$work/backend.py" <<'EOF'
import http.server, sys
BLOCK = bytes(range(256)) * 4096
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_GET(self):
        n = int(self.path.rsplit("/", 1)[-1])
        self.send_response(200)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("content-length", str(n))
        self.end_headers()
        while n > 0:
            self.wfile.write(BLOCK[:min(n, len(BLOCK))]); n -= min(n, len(BLOCK))
    def do_PUT(self):
        n = int(self.headers.get("content-length", "0")); got = 0
        while got < n:
            chunk = self.rfile.read(min(n - got, 1 << 20))
            if not chunk: break
            got += len(chunk)
        body = str(got).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_PUT
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
EOF
python3 "$work/backend.py" >"$work/backend.port" 2>"$work/backend.log" &
backend_pid=$!
for _ in $(seq 1 50); do [ -s "$work/backend.port" ] && break; sleep 0.1; done
backend="http://127.0.0.1:$(cat "$work/backend.port")"
truncate -s "$bytes" "$work/upload.bin"

# start_app NAME WASM: one component on "/..." with the backend variables; sets app_url, app_pid.
start_app() {
    local dir="$work/$1" port
    mkdir -p "$dir"
    cp "$2" "$dir/app.wasm"
    cat >"$dir/spin.toml" <<EOF
spin_manifest_version = 2
[application]
name = "$1"
[variables]
backend_url = { default = "$backend" }
bench_backend = { default = "$backend" }
[[trigger.http]]
route = "/..."
component = "app"
[component.app]
source = "app.wasm"
allowed_outbound_hosts = ["http://127.0.0.1:*"]
key_value_stores = ["default"]
[component.app.variables]
backend_url = "{{ backend_url }}"
bench_backend = "{{ bench_backend }}"
EOF
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    (cd "$dir" && exec setsid "$spin_cli" up --listen "127.0.0.1:$port" >spin.log 2>&1) &
    app_pid=$!
    disown "$app_pid" 2>/dev/null || true
    spin_groups+=("$app_pid")
    app_url="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "$app_url/" && return 0
        sleep 0.2
    done
    cat "$dir/spin.log" >&2
    die "spin up ($1) did not serve"
}

# The process serving requests: spin up's child (`spin trigger http`), else spin up itself.
server_pid() {
    local child
    child=$(pgrep -g "$1" -f "trigger http" | head -1 || true)
    echo "${child:-$1}"
}

# measure NAME URL: one download and one upload per round; prints the best time and the peak RSS.
measure() {
    local name=$1 url=$2 pid down_s=999 up_s=999 down_mb=0 up_mb=0 t hwm
    pid=$(server_pid "$app_pid")
    for _ in $(seq 1 "$rounds"); do
        echo 5 >"/proc/$pid/clear_refs"
        t=$(curl -sS -o /dev/null -w '%{time_total} %{size_download}' "$url/files/download/$bytes")
        [ "${t#* }" = "$bytes" ] || die "$name download: got ${t#* } bytes"
        hwm=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
        down_s=$(python3 -c "print(min($down_s, ${t% *}))"); down_mb=$((hwm > down_mb ? hwm : down_mb))
        echo 5 >"/proc/$pid/clear_refs"
        t=$(curl -sS -H 'Expect:' -T "$work/upload.bin" -o "$work/up.txt" -w '%{time_total}' "$url/files/upload")
        [ "$(cat "$work/up.txt")" = "$bytes" ] || die "$name upload: backend got $(cat "$work/up.txt")"
        hwm=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
        up_s=$(python3 -c "print(min($up_s, $t))"); up_mb=$((hwm > up_mb ? hwm : up_mb))
    done
    printf '%-13s %10.2f %12d %10.2f %12d\n' "$name" "$down_s" "$down_mb" "$up_s" "$up_mb"
}

echo "body: $bytes bytes, best of $rounds; peak RSS of Spin's serving process (MiB)"
printf '%-13s %10s %12s %10s %12s\n' component "down s" "down RSS" "up s" "up RSS"
start_app passthrough "$PASSTHROUGH_WASM"
measure pass-through "$app_url"
start_app tollgate "$TOLLGATE_WASM"
measure tollgate "$app_url"
