#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, one after the other:
#
#   bash fuzz/run.sh SECONDS [TARGET...]
#
# Builds the targets with cargo-fuzz (nightly flags on the stable toolchain through
# RUSTC_BOOTSTRAP=1; AddressSanitizer, so leaks count as failures), seeds the corpora from
# samples/, schemas/ and the samples of every event (corpus/<target>/, not committed),
# runs libFuzzer with -max_total_time=SECONDS -timeout=10 -rss_limit_mb=2048 and prints
# one line per target. Exits 1 when any target crashed, leaked, timed out or ran out of
# memory; the input is saved under fuzz/artifacts/<target>/ (replay it with
# `fuzz/target/<triple>/release/<target> FILE`).
#
# FUZZ_NO_BUILD=1 skips the build (the binaries must exist); FUZZ_BUILD_ARGS adds
# `cargo fuzz build` options (CI's smoke run uses "--dev -s none": a build in about a third
# of the time, without optimisations or AddressSanitizer, so without leak detection);
# FUZZ_ARGS adds libFuzzer options (e.g. FUZZ_ARGS="-fork=2 -ignore_crashes=1" to collect
# several crashes).
set -uo pipefail
cd "$(dirname "$0")"
FUZZ_DIR=$(pwd)
ROOT=$(cd .. && pwd)

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: bash fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
SECS=$1
shift
ALL=(decode_event_json decode_event_fields validate_payload input_parse schema_codegen)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

export RUSTC_BOOTSTRAP=1
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
# shellcheck disable=SC2206
BUILD_ARGS=(${FUZZ_BUILD_ARGS:-})
PROFILE=release
for a in "${BUILD_ARGS[@]}"; do
    if [ "$a" = --dev ] || [ "$a" = -D ]; then PROFILE=debug; fi
done
BIN="$FUZZ_DIR/target/$TRIPLE/$PROFILE"

mkdir -p target
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "fuzz: cargo-fuzz is not installed (cargo install --locked cargo-fuzz)" >&2
        exit 2
    fi
    if [ ${#TARGETS[@]} -eq ${#ALL[@]} ]; then
        cargo fuzz build "${BUILD_ARGS[@]}" >target/build.log 2>&1 \
            || { tail -n 30 target/build.log >&2; echo "fuzz: build failed" >&2; exit 2; }
    else
        for t in "${TARGETS[@]}"; do
            cargo fuzz build "${BUILD_ARGS[@]}" "$t" >target/build.log 2>&1 \
                || { tail -n 30 target/build.log >&2; echo "fuzz: build failed" >&2; exit 2; }
        done
    fi
    for t in "${TARGETS[@]}"; do
        [ -x "$BIN/$t" ] || { echo "fuzz: build failed: no $BIN/$t" >&2; exit 2; }
    done
fi

# --- seed corpora (regenerated each run; what a run adds is kept) -----------------------
SEEDS="$FUZZ_DIR/target/seeds"
rm -rf "$SEEDS" && mkdir -p "$SEEDS/empty"
# The samples of every event of the catalog, written by the targets' helper library.
EVENTS_FUZZ_SEEDS="$SEEDS" "$BIN/validate_payload" -runs=0 "$SEEDS/empty" >/dev/null 2>&1 || true
mkdir -p corpus/{decode_event_json,decode_event_fields,validate_payload,input_parse,schema_codegen}
samples=$(find "$ROOT/samples" -name '*.json' | LC_ALL=C sort)
i=0
for f in $samples "$SEEDS"/json/*.json "$SEEDS"/fields/*.json; do
    [ -f "$f" ] || continue
    i=$((i + 1))
    cp "$f" "corpus/decode_event_json/seed-$i"
    cp "$f" "corpus/validate_payload/seed-$i"
    # input_parse: first byte 0 = auto hint, a `.json` file; 2 = field maps.
    { printf '\000'; cat "$f"; } > "corpus/input_parse/seed-$i"
done
for f in $samples; do
    i=$((i + 1))
    { printf '\002'; cat "$f"; } > "corpus/input_parse/seed-$i"
done
if [ -f "$SEEDS/ndjson/all.ndjson" ]; then
    # 4 = an `.ndjson` file; the first 40 lines and the whole file.
    { printf '\004'; head -n 40 "$SEEDS/ndjson/all.ndjson"; } > corpus/input_parse/seed-ndjson-head
    { printf '\000'; cat "$SEEDS/ndjson/all.ndjson"; } > corpus/input_parse/seed-ndjson-sniffed
fi
# schema_codegen: mode 2 + file index + the repository's file as raw bytes (index order:
# sorted relative paths, as `schemagen::repository_files`); a few for modes 0 and 1.
n=0
for rel in $(cd "$ROOT/schemas" && find . -name '*.json' | sed 's|^\./||' | LC_ALL=C sort); do
    { printf '\002'; printf "\\$(printf '%03o' "$n")"; cat "$ROOT/schemas/$rel"; } \
        > "corpus/schema_codegen/seed-file-$n"
    n=$((n + 1))
done
for k in 0 1 2 3; do
    { printf '\000'; head -c 64 "$ROOT/schemas/envelope.json" | tail -c $((16 + k * 8)); } > "corpus/schema_codegen/seed-gen-$k"
    { printf '\001'; head -c 64 "$ROOT/schemas/envelope.json" | tail -c $((16 + k * 8)); } > "corpus/schema_codegen/seed-mut-$k"
done
# decode_event_fields is structure-aware (`arbitrary`): it starts from the catalog's
# samples by itself; a few byte strings start it off.
for k in 1 2 3 4; do head -c $((k * 32)) "$ROOT/schemas/envelope.json" > "corpus/decode_event_fields/seed-$k"; done

# --- runs ---------------------------------------------------------------------------
failed=0
passed_n=0
failed_n=0
rm -rf /dev/shm/events-fuzz-* 2>/dev/null
for t in "${TARGETS[@]}"; do
    mkdir -p "artifacts/$t" "target/logs"
    log="target/logs/$t.log"
    marker="target/logs/$t.started"
    touch "$marker"
    # shellcheck disable=SC2086
    "$BIN/$t" "corpus/$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    # Inputs written by this run: crashes, leaks, timeouts, out-of-memory.
    crashes=$(find "artifacts/$t" -type f -newer "$marker" | wc -l)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')
    status=ok
    if [ $rc -ne 0 ] || [ $crashes -ne 0 ]; then
        status="FAILED (exit $rc)"
        failed=1
        failed_n=$((failed_n + 1))
        { grep -m 1 -A 2 "panicked at" "$log"; grep -m 2 -E "ERROR: |^SUMMARY"  "$log"; } | cut -c 1-300 | sed 's/^/    /'
    fi
    [ "$status" = ok ] && passed_n=$((passed_n + 1))
    echo "fuzz: $t ${SECS}s execs=$execs crashes=$crashes $status (log: fuzz/$log)"
done
rm -rf /dev/shm/events-fuzz-* 2>/dev/null
echo "fuzz: $passed_n passed, $failed_n failed"
exit $failed
