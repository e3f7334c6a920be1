#!/usr/bin/env bash
# Longer fuzzing, stable Rust only: the deterministic mutation loops that `cargo test` runs
# briefly, N executions each, in an optimised build (the `bench-host` profile: release
# optimisation without LTO, and unwinding, so that a panic is reported with its input).
#
#   scripts/fuzz.sh                 # 10^6 runs per target
#   scripts/fuzz.sh --runs 100000
#
# Targets (seeds include the project's own policy files under policies/ and tests/cases/):
#   expression-parser  crates/config/src/load/expr/fuzz.rs      token soups, bytes, mutated expressions
#   xml-loader         crates/config/src/load/prescan/fuzz.rs   the lenient pre-scan + loader on mutated documents
#   jwt-parser         src/policies/validate_jwt/tests.rs       mutated compact JWS tokens
#   evaluator          tests/expression_fuzz.rs                 generated and mutated expressions run through Gateway::handle
# Prints progress every 100,000 runs and a summary; exits non-zero on any panic.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1000000
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
export FUZZ_RUNS=$runs
profile=(--profile bench-host)

echo "==> building the fuzz targets (optimised)"
cargo test "${profile[@]}" -p tollgate-config --lib --no-run --quiet
cargo test "${profile[@]}" -p tollgate --lib --test expression_fuzz --no-run --quiet

summary=()
failed=0
run_target() { # NAME CARGO-ARGS... -- TEST-FILTER
    local name=$1 start end status=0
    shift
    echo "==> $name: $runs runs"
    start=$(date +%s)
    set +e
    cargo test "${profile[@]}" --quiet "$@" -- --nocapture --test-threads 1 2>&1 |
        grep --line-buffered -E -A3 "^fuzz |panicked|FAILED"
    status=${PIPESTATUS[0]} # cargo's; grep's says nothing
    set -e
    end=$(date +%s)
    if [ "$status" = 0 ]; then
        summary+=("$(printf '| %-17s | %9s | %5s s | 0 |' "$name" "$runs" $((end - start)))")
    else
        summary+=("$(printf '| %-17s | %9s | %5s s | FAILED (see above) |' "$name" "$runs" $((end - start)))")
        failed=1
    fi
}

run_target expression-parser -p tollgate-config --lib the_expression_parser_never_panics
run_target xml-loader -p tollgate-config --lib the_prescanner_and_loader_never_panic
run_target jwt-parser -p tollgate --lib fuzz_token_parsing_never_panics
run_target evaluator -p tollgate --test expression_fuzz random_expressions_never_panic

echo
echo "| Target | Runs | Time (incl. test start) | Panics |"
echo "|---|---|---|---|"
printf '%s\n' "${summary[@]}"
exit "$failed"
