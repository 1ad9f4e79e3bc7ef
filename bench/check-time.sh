#!/usr/bin/env bash
# What every user pays in every build: the build script (code generation for the whole
# catalog, debug profile as cargo builds build scripts) and `cargo check` of events-types.
# Usage: bash bench/check-time.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build -q -p events-codegen --example generate
cargo check -q -p events-types

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

gen=()
for _ in $(seq "$runs"); do
    t0=$(now); target/debug/examples/generate schemas > /dev/null; t1=$(now)
    gen+=("$(echo "$t1 - $t0" | bc)")
done
check=()
for _ in $(seq "$runs"); do
    touch schemas/envelope.json
    t0=$(now); cargo check -q -p events-types; t1=$(now)
    check+=("$(echo "$t1 - $t0" | bc)")
done
lines=$(target/debug/examples/generate schemas | wc -l)
events=$(ls schemas/*/*.v*.json | wc -l)
echo "catalog: $events event schemas, $lines lines of generated Rust"
echo "codegen, debug build (as the build script runs): median $(printf '%s\n' "${gen[@]}" | median) s over $runs runs"
echo "cargo check -p events-types after a schema change (build script + check): median $(printf '%s\n' "${check[@]}" | median) s over $runs runs"
