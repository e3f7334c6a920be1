#!/usr/bin/env bash
# Fuzzes the admin API with schemathesis under real `spin up` (Spin's default SQLite store):
# every operation of GET /admin/openapi.json, with the admin key, for a time budget. The goal is
# 0 server errors and every response as described (status, content type, headers, schema).
#
#   scripts/fuzz-admin.sh                      # 60 s budget (what CI runs)
#   scripts/fuzz-admin.sh --budget-seconds 600
#   scripts/fuzz-admin.sh --no-build           # use the .wasm already built
#
# schemathesis goes into a local venv ($CARGO_TARGET_DIR/schemathesis-venv, or
# TOLLGATE_FUZZ_VENV). The portal's routes are fuzzed too when its .wasm is built
# (scripts/browser-test.sh builds it): they are HTML forms, so only "no server error" holds.
# Exits non-zero on any failure; the report (ndjson, junit) is kept in $CARGO_TARGET_DIR/fuzz-admin/.
set -euo pipefail
cd "$(dirname "$0")/.."

budget=60
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --budget-seconds) budget=$2; shift 2 ;;
        --budget-seconds=*) budget=${1#*=}; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

target=${CARGO_TARGET_DIR:-$PWD/target}
venv=${TOLLGATE_FUZZ_VENV:-$target/schemathesis-venv}
reports=$target/fuzz-admin
mkdir -p "$reports"

if [ ! -x "$venv/bin/st" ]; then
    echo "==> installing schemathesis into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'schemathesis>=4.32,<5'
fi
echo "==> $("$venv/bin/st" --version)"

wasm=$target/wasm32-wasip2/release/tollgate.wasm
if [ "$build" = 1 ]; then
    echo "==> building the gateway (wasm32-wasip2, release)"
    cargo build --quiet --target wasm32-wasip2 --release -p tollgate
fi
[ -f "$wasm" ] || { echo "error: $wasm not built" >&2; exit 1; }
portal=$target/portal/wasm32-wasip2/release/tollgate_portal.wasm
[ -f "$portal" ] || portal=-

work=$(mktemp -d)
cleanup() { stop_spin_apps; rm -rf "$work"; }
trap cleanup EXIT
. scripts/spin-app.sh
admin_key=fuzz-$RANDOM$RANDOM
echo "==> starting the app under spin up${portal/#-/ (gateway only: the portal is not built)}"
start_spin_app "$work/app" "$wasm" "$portal" \
    --variable "admin_key=$admin_key" --variable "weather_backend=http://127.0.0.1:9"
echo "    $host_url"

# What JSON Schema cannot say: a usage range must run forwards and cover at most 366 days, an
# analytics range must run forwards and fit what the store keeps at its interval, and a cache
# purge takes `api` or `prefix`, not both, and a prefix of at most 147 encoded bytes. Each is
# a 400 whose message says so (docs/admin-api.md), so schema-valid data may get a 400 on these
# four operations only.
cat >"$work/schemathesis.toml" <<'TOML'
[[operations]]
include-path-regex = "usage$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]

[[operations]]
include-path = "/cache/purge"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]

[[operations]]
include-path = "/analytics"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]
TOML

status=0
echo "==> schemathesis: /admin/openapi.json for ${budget} s"
"$venv/bin/st" --config-file "$work/schemathesis.toml" run "$host_url/admin/openapi.json" \
    -H "Authorization: Bearer $admin_key" \
    --checks all --max-time "$budget" --workers 2 --request-timeout 10 \
    --report ndjson,junit --report-dir "$reports" --no-color 2>&1 | tee "$reports/admin.log" || status=1

if [ "$portal" != - ]; then
    echo "==> portal forms: no server error on hostile form posts"
    python3 - "$host_url" <<'PY' || status=1
import random, sys, urllib.error, urllib.parse, urllib.request
base = sys.argv[1]
rng = random.Random(13)
junk = ["", "a" * 5000, "\u0000", "\r\nX: y", "<script>", "' OR 1=1 --", "%00", "\udfff".encode("utf-8", "surrogatepass").decode("latin-1"), "é" * 300]
paths = ["/portal/signup", "/portal/account", "/portal/", "/portal/apis/weather"]
errors = cases = 0
for _ in range(400):
    path = rng.choice(paths)
    fields = {k: rng.choice(junk) for k in rng.sample(["email", "name", "product", "key", "csrf", "scope", "x"], 3)}
    body = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(base + path, data=body, method=rng.choice(["POST", "GET", "PUT"]),
                                 headers={"content-type": rng.choice(["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])})
    try:
        code = urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        code = e.code
    cases += 1
    if code >= 500:
        errors += 1
        print(f"server error {code}: {req.method} {path} {fields!r}")
print(f"portal forms: {cases} cases, {errors} server errors")
sys.exit(1 if errors else 0)
PY
fi

# The number of generated cases, from the run's own summary.
grep -E "Test cases:|generated|passed|failed" "$reports/admin.log" | tail -5 || true
if [ "$status" = 0 ]; then
    echo "fuzz-admin: OK"
else
    echo "fuzz-admin: FAILED (report in $reports)" >&2
    grep -q . "$work/app/spin.log" && tail -20 "$work/app/spin.log" >&2
fi
exit "$status"
