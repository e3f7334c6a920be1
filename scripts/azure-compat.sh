#!/usr/bin/env bash
# Checks a directory of Azure policy documents one file at a time and prints a table: how many
# load, how many are refused per cause, and each file's exact message.
#
#   scripts/azure-compat.sh DIR
#
# Every .xml file directly in DIR is checked on its own, as a policy document or (with a
# <fragment> root) a fragment, by tollgate-check. A file's cause is its first message with the
# details that differ from file to file (columns, sections, quoted values) taken out, so files
# refused for the same reason are counted together; a file the reader itself refuses (not XML,
# an expression that never ends, a named value's name) is counted apart. Progress goes to stderr.
# Exit status: 0 when the table was printed (whatever it says), 2 when it could not run.
# TOLLGATE_CHECK=path/to/tollgate-check uses that binary instead of building one.
set -euo pipefail

if [ "$#" -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 DIR   (a directory of Azure policy .xml files)" >&2
    exit 2
fi
dir=$(cd "$1" && pwd)
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -n "${TOLLGATE_CHECK:-}" ]; then
    check="$TOLLGATE_CHECK"
else
    target="${CARGO_TARGET_DIR:-$PWD/target}"
    echo "building tollgate-check (cargo build --release -p tollgate-config --bin tollgate-check)" >&2
    cargo build -q --release -p tollgate-config --bin tollgate-check >&2
    check="$target/release/tollgate-check"
fi

# The kind of message: what stays the same between files refused for the same reason.
cause_of() {
    sed -E \
        -e 's/ \(column [0-9]+\)//g' \
        -e 's/ in <(inbound|backend|outbound|on-error|fragment)>//g' \
        -e 's/ \(allowed in [^)]*\)//' \
        -e 's/, not `[^`]*`$//' \
        -e 's/^XML syntax error: .*/XML syntax error/' \
        -e 's/ cannot run at the edge: .*/ cannot run at the edge/' \
        -e "s/ \\(Azure's is .*//" \
        <<<"$1"
}

files=()
while IFS= read -r -d '' file; do
    files+=("$file")
done < <(find "$dir" -maxdepth 1 -type f -iname '*.xml' -print0 | sort -z)
total=${#files[@]}
if [ "$total" -eq 0 ]; then
    echo "$0: no .xml files in $dir" >&2
    exit 2
fi

# Messages of the reader itself (XML, expressions' extent, named values' names), as opposed to
# an element, attribute or expression member Tollgate does not run.
reader_messages='XML syntax error|unterminated expression|unclosed (string literal|interpolated string|comment)|unbalanced expression|invalid named value|unclosed named value|maps to the Spin variable|both map to the Spin variable'

loaded=0
unread=0
declare -A causes=()
rows=()
index=0
for file in "${files[@]}"; do
    index=$((index + 1))
    name=${file#"$dir"/}
    if [ -t 2 ]; then
        printf '\r[%d/%d] %s\033[K' "$index" "$total" "$name" >&2
    elif [ $((index % 25)) -eq 0 ] || [ "$index" -eq "$total" ]; then
        echo "checked $index of $total" >&2
    fi
    status=0
    output=$("$check" "$file" 2>/dev/null) || status=$?
    if [ "$status" -eq 0 ]; then
        loaded=$((loaded + 1))
        rows+=("$name|loaded|")
        continue
    fi
    # The first mistake decides the cause; print it as file:line: message (name relative to DIR).
    first=$(head -n 1 <<<"$output")
    message=${first#"$file":}
    line=${message%%:*}
    message=${message#*: }
    if [ "$status" -ne 1 ] || [ -z "$first" ]; then
        message="the check could not run (exit status $status)"
        line=0
    fi
    if grep -Eq "$reader_messages" <<<"$output"; then
        unread=$((unread + 1))
    fi
    cause=$(cause_of "$message")
    causes[$cause]=$((${causes[$cause]:-0} + 1))
    count=$(grep -c . <<<"$output" || true)
    more=""
    if [ "$count" -gt 1 ]; then more=" (+$((count - 1)) more)"; fi
    rows+=("$name|refused|$name:$line: $message$more")
done
if [ -t 2 ]; then printf '\r\033[K' >&2; fi

refused=$((total - loaded))
echo "Azure compatibility of $dir"
echo
echo "| Outcome | Files |"
echo "|---|---|"
echo "| loaded | $loaded of $total |"
echo "| refused | $refused of $total |"
echo "| refused by the reader (XML, an expression's extent, a named value's name) | $unread of $total |"
if [ "$refused" -gt 0 ]; then
    echo
    echo "| Refused because | Files |"
    echo "|---|---|"
    for cause in "${!causes[@]}"; do
        printf '%s\t%s\n' "${causes[$cause]}" "$cause"
    done | sort -t $'\t' -k1,1nr -k2,2 | while IFS=$'\t' read -r count cause; do
        echo "| $cause | $count |"
    done
fi
echo
echo "| File | Outcome | Message |"
echo "|---|---|---|"
for row in "${rows[@]}"; do
    IFS='|' read -r name outcome message <<<"$row"
    echo "| $name | $outcome | ${message//|/\\|} |"
done
