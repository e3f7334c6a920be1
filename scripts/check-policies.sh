#!/usr/bin/env bash
# Checks Tollgate's configuration and prints every mistake as file:line: message. When it is
# valid, lists the Spin variables its {{named values}} read (declare them in spin.toml).
#
#   scripts/check-policies.sh PATH
#
# PATH is a policies directory, its tollgate.toml, or one .xml policy document or fragment
# (e.g. policies/fragments/x.xml), relative to the current directory.
# Exit status: 0 valid, 1 mistakes found, 2 could not check.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 PATH   (a policies directory, its tollgate.toml, or one .xml policy document or fragment)" >&2
    exit 2
fi

# Resolve paths against the caller's directory before moving to the repository root.
args=()
for arg in "$@"; do
    case "$arg" in
        -*|/*) args+=("$arg") ;;
        *) args+=("$PWD/$arg") ;;
    esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo run -q --release -p tollgate-config --bin tollgate-check -- "${args[@]}"
