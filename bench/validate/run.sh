#!/usr/bin/env bash
# Validation benchmarks, one command: bash bench/validate/run.sh [files] [events]
#   files  : single-event JSON files per directory (default 10000)
#   events : NDJSON events for the stream run (default 1000000)
# Installs the peer CLIs into bench/.tools on first use (crates.io, PyPI, npm).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
files=${1:-10000}
events=${2:-1000000}
tools=$root/bench/.tools
work=${BENCH_WORK:-/tmp/events-bench}
mkdir -p "$tools" "$work"

# --- peers ----------------------------------------------------------------------------
[ -x "$tools/cargo/bin/jsonschema-cli" ] || cargo install -q --root "$tools/cargo" jsonschema-cli
[ -x "$tools/py/bin/check-jsonschema" ] || { python3 -m venv "$tools/py" && "$tools/py/bin/pip" install -q check-jsonschema; }
[ -x "$tools/node/node_modules/.bin/ajv" ] || { mkdir -p "$tools/node" && (cd "$tools/node" && npm init -y >/dev/null && npm install --silent ajv-cli ajv-formats); }
JSC=$tools/cargo/bin/jsonschema-cli
CJS=$tools/py/bin/check-jsonschema
AJV=$tools/node/node_modules/.bin/ajv

# --- ours -----------------------------------------------------------------------------
cargo build -q --release -p events-cli --bin events --example parse_only
EVENTS=$root/target/release/events
PARSE=$root/target/release/examples/parse_only

# --- data -----------------------------------------------------------------------------
[ -d "$work/mixed" ] || python3 bench/validate/gen_events.py files "$work/mixed" "$files"
[ -d "$work/single" ] || python3 bench/validate/gen_events.py files "$work/single" "$files" --type pvz.parcel.arrived
[ -f "$work/events.ndjson" ] || python3 bench/validate/gen_events.py ndjson "$work/events.ndjson" "$events"
[ -f "$work/half.ndjson" ] || head -n $((events / 2)) "$work/events.ndjson" > "$work/half.ndjson"
"$EVENTS" schema pvz.parcel.arrived > "$work/pvz.parcel.arrived.schema.json"

# run NAME CMD... : median wall seconds over $RUNS runs and peak RSS (MB); exit status 0/1 both count.
RUNS=${RUNS:-5}
run() {
    local name=$1; shift
    printf '%s\t%s\n' "$name" "$(python3 bench/validate/timeit.py "$RUNS" "$@")"
}

single=("$work"/single/*.json)
mb_single=$(du -sm "$work/single" | cut -f1)
echo "== files: $files single-event files (pvz.parcel.arrived; peers cannot dispatch on type), $mb_single MB on disk"
{
run events-single "$EVENTS" validate "$work/single"
run jsonschema-cli "$JSC" validate --assert-format "$work/pvz.parcel.arrived.schema.json" $(printf -- '-i %s ' "${single[@]}")
run check-jsonschema "$CJS" --schemafile "$work/pvz.parcel.arrived.schema.json" "${single[@]}"
run ajv-cli "$AJV" validate --spec=draft2020 -c ajv-formats --strict=false -s "$work/pvz.parcel.arrived.schema.json" -d "$work/single/*.json"
run events-mixed "$EVENTS" validate "$work/mixed"
} | awk -v n="$files" -F'\t' 'BEGIN {printf "%-18s %9s %12s %9s\n", "tool", "seconds", "events/s", "peak MB"} {printf "%-18s %9.4f %12.0f %9s\n", $1, $2, n / ($2 > 0 ? $2 : 1), $3}'

mb=$(du -m "$work/events.ndjson" | cut -f1)
echo "== stream: $events events as NDJSON ($mb MB), mixed types, ~1% invalid"
{
run events-ndjson "$EVENTS" validate "$work/events.ndjson"
run parse-only "$PARSE" "$work/events.ndjson"
run events-ndjson-half "$EVENTS" validate "$work/half.ndjson"
} | awk -v n="$events" -v mb="$mb" -F'\t' 'BEGIN {printf "%-18s %9s %12s %9s %9s\n", "run", "seconds", "events/s", "MB/s", "peak MB"} {k = ($1 ~ /half/) ? n / 2 : n; m = ($1 ~ /half/) ? mb / 2 : mb; printf "%-18s %9.4f %12.0f %9.1f %9s\n", $1, $2, k / ($2 > 0 ? $2 : 1), m / ($2 > 0 ? $2 : 1), $3}'
