# Sourced by smoke.sh and browser-test.sh: the sample backend and the test host, started on
# free ports. Both append their pids to the caller's `pids` array (the caller kills them).

# start_sample_backend LOG: DroneFly's sample backend; sets backend_port.
start_sample_backend() {
    backend_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    python3 scripts/sample-backend.py --port "$backend_port" >"$1" 2>&1 &
    pids+=($!)
}

# ensure_test_host: sets test_host to the built test host binary: TOLLGATE_TEST_HOST if set
# (scripts/test.sh builds it once), else builds it now, with the features scripts/test.sh
# uses, so cargo never rebuilds it while a start-up is being timed.
ensure_test_host() {
    if [ -n "${TOLLGATE_TEST_HOST:-}" ]; then
        test_host=$TOLLGATE_TEST_HOST
        return
    fi
    local features=()
    command -v redis-server >/dev/null 2>&1 && features=(--features redis)
    echo "building the test host (cargo build -p tollgate-test-host ${features[*]})"
    cargo build --quiet --locked -p tollgate-test-host "${features[@]}"
    test_host="${CARGO_TARGET_DIR:-$PWD/target}/debug/tollgate-test-host"
    export TOLLGATE_TEST_HOST=$test_host
}

# start_test_host LOG ARGS...: the test host with ARGS (--component, --var) on a free port;
# waits until it listens and sets host_url.
start_test_host() {
    local log=$1 pid
    shift
    ensure_test_host
    "$test_host" "$@" --listen 127.0.0.1:0 >"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 600); do
        grep -q '^listening on ' "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.5
    done
    host_url=$(sed -n 's/^listening on //p' "$log" | head -1)
    [ -n "$host_url" ] || { echo "error: the test host did not start" >&2; cat "$log" >&2; exit 1; }
    # The backend had as long as the host to start; make sure it answers.
    for _ in $(seq 1 50); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$backend_port/current/x', timeout=1)" 2>/dev/null && break
        sleep 0.1
    done
}
