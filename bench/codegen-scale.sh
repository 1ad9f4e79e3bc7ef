#!/usr/bin/env bash
# Codegen time against enum size and property count (issue 11): prints the wall time of
# `events-codegen`'s generate example (release build) for enums of 10k, 50k and 200k values
# and objects of 1k and 5k properties, with the ratio to the smallest size. Linear growth
# shows as a time ratio close to the size ratio (5x, 20x).
#   bash bench/codegen-scale.sh            # CARGO_TARGET_DIR and flock as for any build
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p events-codegen --example generate
bin="${CARGO_TARGET_DIR:-target}/release/examples/generate"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make_set() { # DIR KIND N
  mkdir -p "$1/e"
  cat > "$1/envelope.json" <<'JSON'
{ "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": { "type_field": "type", "payload": "flat" },
  "type": "object", "properties": { "type": { "type": "string" } }, "required": ["type"] }
JSON
  python3 - "$1/e/big.set.v1.json" "$2" "$3" <<'PY'
import json, sys
path, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "enum":
    props = {"v": {"enum": [f"value-{i}" for i in range(n)], "description": "Big."}}
else:
    props = {f"field_{i}": {"type": "integer", "description": f"Field {i}."} for i in range(n)}
json.dump({"$schema": "https://json-schema.org/draft/2020-12/schema",
           "x-event": {"type": "big.set", "version": "1.0", "stream": "s", "producer": "p", "consumers": []},
           "type": "object", "properties": props}, open(path, "w"))
PY
}

run() { # KIND SIZES...
  local kind=$1; shift
  local base_n="" base_t=""
  for n in "$@"; do
    make_set "$tmp/$kind-$n" "$kind" "$n"
    local start end t
    start=$(date +%s.%N)
    # Above the property limit the example prints the located error and exits 1.
    "$bin" "$tmp/$kind-$n" > "$tmp/$kind-$n.rs" 2>/dev/null || true
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$base_n" ]; then base_n=$n; base_t=$t; fi
    printf '%-6s %7d  %7.2f s  size x%-5.1f time x%.1f\n' "$kind" "$n" "$t" \
      "$(echo "$n / $base_n" | bc -l)" "$(echo "$t / $base_t" | bc -l)"
  done
}

run enum 10000 50000 200000
run props 1000 5000
