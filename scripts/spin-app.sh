# Sourced by smoke.sh, browser-test.sh and spin-suite.sh: finding the Spin CLI and running the
# repository's app (spin.toml with the components already built) under real `spin up`.
#
# `spin up` keeps state under .spin/ of the app directory, so it runs on a copy of the app in
# a temporary directory: spin.toml plus the built .wasm files at the paths spin.toml names.

# find_spin: sets spin_cli to `spin` on PATH, else ../shared/tools/spin/spin; empty if neither.
find_spin() {
    spin_cli=""
    if [ -n "${TOLLGATE_SPIN:-}" ]; then
        spin_cli=$TOLLGATE_SPIN
    elif command -v spin >/dev/null 2>&1; then
        spin_cli=$(command -v spin)
    elif [ -x "../shared/tools/spin/spin" ]; then
        spin_cli="$(cd ../shared/tools/spin && pwd)/spin"
    fi
}

spin_groups=()

# start_spin_app DIR GATEWAY_WASM PORTAL_WASM ARGS...: copies the app into DIR, runs
# `spin up --listen 127.0.0.1:PORT ARGS...` there in its own process group (spin up starts a
# child, `spin trigger http`, that must die with it), waits until it serves, sets host_url.
# With TOLLGATE_SPIN_REDIS=redis://… the store "default" is that Redis (a runtime-config.toml).
# PORTAL_WASM "-" runs the gateway alone (the portal's route and component left out).
start_spin_app() {
    local dir=$1 gateway=$2 portal=$3 port pid
    shift 3
    [ -n "${spin_cli:-}" ] || find_spin
    mkdir -p "$dir/target/wasm32-wasip2/release" "$dir/target/portal/wasm32-wasip2/release"
    cp spin.toml "$dir/"
    cp "$gateway" "$dir/target/wasm32-wasip2/release/tollgate.wasm"
    if [ "$portal" = - ]; then
        python3 - "$dir/spin.toml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
# Blocks start at a table header; drop the portal's trigger and its component tables.
blocks = re.split(r"(?m)^(?=\[)", text)
keep = [b for b in blocks
        if not b.startswith("[component.portal")
        and not (b.startswith("[[trigger.http]]") and 'component = "portal"' in b)]
open(path, "w").write("".join(keep))
PY
    else
        cp "$portal" "$dir/target/portal/wasm32-wasip2/release/tollgate_portal.wasm"
    fi
    local extra=()
    if [ -n "${TOLLGATE_SPIN_REDIS:-}" ]; then
        printf '[key_value_store.default]\ntype = "redis"\nurl = "%s"\n' "$TOLLGATE_SPIN_REDIS" >"$dir/runtime-config.toml"
        extra=(--runtime-config-file runtime-config.toml)
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    (cd "$dir" && exec setsid "$spin_cli" up --listen "127.0.0.1:$port" "${extra[@]}" "$@" >spin.log 2>&1) &
    pid=$!
    # Killed on purpose at the end: no "Killed" job notice for it.
    disown "$pid" 2>/dev/null || true
    spin_groups+=("$pid")
    host_url="http://127.0.0.1:$port"
    for _ in $(seq 1 900); do
        curl -s -o /dev/null "$host_url/" && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$dir/spin.log" >&2; echo "error: spin up exited" >&2; exit 1; }
        sleep 0.2
    done
    cat "$dir/spin.log" >&2
    echo "error: spin up did not serve within 180 s" >&2
    exit 1
}

# stop_spin_apps: kills every app start_spin_app started (the whole process group).
stop_spin_apps() {
    local pid
    for pid in "${spin_groups[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    spin_groups=()
}
