#!/usr/bin/env bash
# Issue 24's two validation goals, in ROUNDS rounds (default 3), each tool measured in the
# same round as its peer, alternating, so that the machine's drift hits both alike:
#   bash bench/validate/goals.sh [files] [events]
#   - 10,000 single-event files: events validate vs jsonschema-cli (formats asserted),
#     median of RUNS (default 15) runs each; goal: jsonschema-cli's time / ours >= 1.5;
#   - 1,000,000 NDJSON events: events validate vs the parse-only ceiling (the same
#     allocator and rayon batching, serde_json parsing only: cli/examples/parse_only.rs),
#     median of NDJSON_RUNS (default 5) runs each; goal: ceiling's time / ours >= 0.6.
# Uses the inputs and the peer bench/validate/run.sh installs and writes.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
files=${1:-10000}
events=${2:-1000000}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-15}
NDJSON_RUNS=${NDJSON_RUNS:-5}
tools=$root/bench/.tools
work=${BENCH_WORK:-/tmp/events-bench}
mkdir -p "$tools" "$work"

[ -x "$tools/cargo/bin/jsonschema-cli" ] || cargo install -q --root "$tools/cargo" jsonschema-cli
JSC=$tools/cargo/bin/jsonschema-cli
cargo build -q --release -p events-cli --bin events --example parse_only
# Copies: a build in another checkout sharing the target directory cannot swap them
# under the measurement.
cp target/release/events "$work/events.bin"
cp target/release/examples/parse_only "$work/parse_only.bin"
EVENTS=$work/events.bin
PARSE=$work/parse_only.bin

[ -d "$work/single" ] || python3 bench/validate/gen_events.py files "$work/single" "$files" --type pvz.parcel.arrived
[ -f "$work/events.ndjson" ] || python3 bench/validate/gen_events.py ndjson "$work/events.ndjson" "$events"
"$EVENTS" schema pvz.parcel.arrived > "$work/pvz.parcel.arrived.schema.json"
single=("$work"/single/*.json)
jsc_args=()
for f in "${single[@]}"; do jsc_args+=(-i "$f"); done

median() { python3 bench/validate/timeit.py "$1" "${@:2}" | cut -f1; }

echo "jsonschema-cli: $("$JSC" --version)"
printf '%-6s %12s %12s %8s   %12s %12s %8s\n' round events jsc files-x ndjson ceiling ratio
for r in $(seq 1 "$ROUNDS"); do
    ours=$(median "$RUNS" "$EVENTS" validate "$work/single")
    peer=$(median "$RUNS" "$JSC" validate --assert-format "$work/pvz.parcel.arrived.schema.json" "${jsc_args[@]}")
    nd=$(median "$NDJSON_RUNS" "$EVENTS" validate "$work/events.ndjson")
    ceil=$(median "$NDJSON_RUNS" "$PARSE" "$work/events.ndjson")
    printf '%-6s %11.4fs %11.4fs %8.2f   %11.4fs %11.4fs %8.2f  (%.2f M ev/s)\n' "$r" "$ours" "$peer" \
        "$(echo "$peer / $ours" | bc -l)" "$nd" "$ceil" "$(echo "$ceil / $nd" | bc -l)" \
        "$(echo "$events / $nd / 1000000" | bc -l)"
done
