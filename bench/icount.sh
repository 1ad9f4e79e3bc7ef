#!/usr/bin/env bash
# Instruction counts of the hot paths under callgrind, against bench/icount.baseline
# (bench/README.md, "Instruction counts (callgrind)"):
#   bash bench/icount.sh            measure and compare: exit 1 when a count grew by more
#                                   than ICOUNT_LIMIT percent (default 10) over its baseline
#   bash bench/icount.sh --update   measure and rewrite the baseline
# ICOUNT_RUNS=N runs every measure N times (default 1) and keeps the smallest count,
# printing the spread. Builds the release binaries it measures from this checkout first.
# Needs valgrind and python3 (the inputs come from bench/validate/gen_events.py, seeded).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
baseline_file=$root/bench/icount.baseline
limit=${ICOUNT_LIMIT:-10}
runs=${ICOUNT_RUNS:-1}

update=0
case "${1:-}" in
    "") ;;
    --update) update=1 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "icount: unknown argument '$1' (--update, --help)" >&2; exit 2 ;;
esac
for tool in valgrind python3 cargo; do
    command -v "$tool" >/dev/null 2>&1 || { echo "icount: $tool not found" >&2; exit 2; }
done

# --- the binaries, built from this checkout ---------------------------------------------
echo "icount: building events and encode_only (release) from this checkout"
cargo build -q --release -p events-cli --bin events
cargo build -q --release -p events-redis --example encode_only
target=$(cargo metadata -q --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
events=$target/release/events
encode=$target/release/examples/encode_only

# --- fixed inputs (gen_events.py has a fixed seed: the same bytes every time) -----------
work=$(mktemp -d "${TMPDIR:-/tmp}/icount.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 bench/validate/gen_events.py ndjson "$work/events.ndjson" 5000
python3 bench/validate/gen_events.py files "$work/files" 500

# One thread: worker threads (and their spinning) make the count vary from run to run.
export RAYON_NUM_THREADS=1 LC_ALL=C
unset EVENTS_SCHEMAS

# count NAME CMD...: the instructions (callgrind's Ir) of one run of CMD. Exit status 0
# and 1 (invalid payloads found) both count; anything else is a failure of the measure.
count() {
    local name=$1 status=0; shift
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$work/$name.vg" \
        "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
    if [ "$status" -gt 1 ]; then
        echo "icount: $name: exit status $status: $*" >&2
        tail -n 20 "$work/$name.err" "$work/$name.vg" >&2
        exit 2
    fi
    awk '/Collected :/ {n = $NF} END {if (n == "") exit 1; print n}' "$work/$name.vg" || {
        echo "icount: $name: no instruction count in valgrind's log" >&2
        cat "$work/$name.vg" >&2
        exit 2
    }
}

# measure NAME CMD...: the smallest count over $runs runs; prints NAME<TAB>count<TAB>spread%.
measure() {
    local name=$1 c min="" max=0 i; shift
    for ((i = 0; i < runs; i++)); do
        c=$(count "$name" "$@")
        if [ -z "$min" ] || [ "$c" -lt "$min" ]; then min=$c; fi
        if [ "$c" -gt "$max" ]; then max=$c; fi
    done
    printf '%s\t%s\t%s\n' "$name" "$min" "$(awk -v a="$min" -v b="$max" 'BEGIN {printf "%.3f", (b - a) * 100 / a}')"
}

start=$SECONDS
{
    # Start-up alone: load and check the catalog, validate one event.
    measure validate-one "$events" validate "$work/files/000000.json"
    measure validate-ndjson-5000 "$events" validate "$work/events.ndjson"
    measure validate-files-500 "$events" validate "$work/files"
    measure generate-seed "$events" generate --out "$work/generated.rs" schemas
    # The types-only route of a catalog taken as it is (written-out impls, as text).
    measure generate-foreign "$events" generate --types-only --out "$work/foreign.rs" codegen/tests/fixtures/foreign
    measure encode-10000 "$encode" 10000
} >"$work/counts"
elapsed=$((SECONDS - start))

if [ "$update" = 1 ]; then
    {
        echo "# Instruction counts (callgrind Ir) of bench/icount.sh's measures; rewrite with"
        echo "# \`bash bench/icount.sh --update\`. Counts depend on the toolchain (rustc, LLVM, the"
        echo "# dependency versions of Cargo.lock) and on the CPU (std, memchr and the allocator"
        echo "# choose code paths by CPU features): update this file when either changes."
        echo "# Written $(date -u +%Y-%m-%d) with $(rustc -V), $(valgrind --version),"
        echo "# on $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo "unknown CPU") ($(uname -m))."
        cut -f1,2 "$work/counts"
    } >"$baseline_file"
    echo "icount: baseline written to bench/icount.baseline ($elapsed s under valgrind, $runs run(s) per measure)"
    printf '%-22s %15s %8s\n' measure instructions spread%
    while IFS=$'\t' read -r name n spread; do
        printf '%-22s %15s %8s\n' "$name" "$n" "$spread"
    done <"$work/counts"
    exit 0
fi

if [ ! -f "$baseline_file" ]; then
    echo "icount: no bench/icount.baseline: run bash bench/icount.sh --update" >&2
    exit 1
fi
failed=0 messages=()
printf '%-22s %15s %15s %7s %8s\n' measure instructions baseline ratio spread%
while IFS=$'\t' read -r name n spread; do
    base=$(awk -F'\t' -v m="$name" '$1 == m {print $2}' "$baseline_file")
    if [ -z "$base" ]; then
        printf '%-22s %15s %15s %7s %8s\n' "$name" "$n" "-" "-" "$spread"
        messages+=("FAIL: $name has no baseline: run bash bench/icount.sh --update and commit bench/icount.baseline")
        failed=1
        continue
    fi
    printf '%-22s %15s %15s %7s %8s\n' "$name" "$n" "$base" \
        "$(awk -v a="$n" -v b="$base" 'BEGIN {printf "%.3f", a / b}')" "$spread"
    if [ $((n * 100)) -gt $((base * (100 + limit))) ]; then
        messages+=("FAIL: $name: $n instructions, more than $limit% over the baseline's $base")
        failed=1
    elif [ $((n * 100)) -lt $((base * (100 - limit))) ]; then
        messages+=("note: $name: $n instructions, more than $limit% under the baseline's $base; if that is an improvement, record it: bash bench/icount.sh --update")
    fi
done <"$work/counts"
for m in "${messages[@]}"; do echo "icount: $m"; done
echo "icount: $elapsed s under valgrind ($runs run(s) per measure); limit +$limit% over bench/icount.baseline"
exit "$failed"
