#!/usr/bin/env bash
# The types-only route against typify, side by side in one run, on GitHub's webhook
# catalog (@octokit/webhooks-schemas, pinned; fetched with npm pack into
# target/octokit-cache, as conformance/tests/octokit.rs does):
#
#   bash bench/typify.sh [ROUNDS]
#
# Measures, alternating the two tools in each round and printing medians:
#   - generation: `events generate --types-only` (release build) vs `cargo typify`
#     (cargo-typify from crates.io, installed with `cargo install --locked cargo-typify`);
#   - `cargo check` of a crate holding the generated code, its dependencies already
#     built: cold (the crate cleaned first) and after a one-schema change (one
#     description edited, the code generated again).
# Needs npm and cargo-typify; prints what is missing otherwise.
set -euo pipefail
ROUNDS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=7.6.1
CACHE="$ROOT/target/octokit-cache/$VERSION"
WORK="$ROOT/target/bench-typify"

command -v cargo-typify >/dev/null || { echo "bench: cargo install --locked cargo-typify" >&2; exit 2; }
if [ ! -f "$CACHE/schemas/package/schema.json" ]; then
    command -v npm >/dev/null || { echo "bench: npm is needed to fetch the corpus" >&2; exit 2; }
    mkdir -p "$CACHE/schemas"
    tgz=$(cd "$CACHE" && npm pack --silent "@octokit/webhooks-schemas@$VERSION")
    tar xzf "$CACHE/$tgz" -C "$CACHE/schemas"
fi
cargo build --quiet --release -p events-cli --manifest-path "$ROOT/Cargo.toml"
EVENTS="$ROOT/target/release/events"

rm -rf "$WORK" && mkdir -p "$WORK/schemas" "$WORK/changed"
cp "$CACHE/schemas/package/schema.json" "$WORK/schemas/"
# The one-schema change: one description edited.
python3 - "$WORK/schemas/schema.json" "$WORK/changed/schema.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["definitions"]["check_run$completed"]["description"] = "Edited for the benchmark."
json.dump(d, open(sys.argv[2], "w"), indent=2)
EOF

crate() { # name, dependencies...
    local dir="$WORK/$1"; shift
    mkdir -p "$dir/src"
    { printf '[package]\nname = "bench-%s"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n' "$(basename "$dir")"
      for d in "$@"; do printf '%s\n' "$d"; done
      printf '\n[workspace]\n'; } > "$dir/Cargo.toml"
    # A module of its own: typify's output starts with inner attributes.
    printf '#![allow(warnings, clippy::all)]\npub mod types;\n' > "$dir/src/lib.rs"
}
crate ours "events-rt = { path = \"$ROOT/events-rt\" }"
crate typify 'serde = { version = "1", features = ["derive"] }' 'serde_json = "1"' 'regress = "0.10"' 'chrono = { version = "0.4", features = ["serde"] }' 'uuid = { version = "1", features = ["serde"] }'

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
gen_ours() { "$EVENTS" generate --types-only --out "$WORK/ours/src/types.rs" "$1" 2>/dev/null; }
gen_typify() { cargo typify "$1/schema.json" -o "$WORK/typify/src/types.rs" >/dev/null 2>&1; }
check() { (cd "$WORK/$1" && cargo check --quiet 2>/dev/null); }

# Dependencies built once, outside the measurements.
gen_ours "$WORK/schemas"; gen_typify "$WORK/schemas"
check ours; check typify

declare -A T
for r in $(seq 1 "$ROUNDS"); do
    for tool in ours typify; do
        # One untimed run first: the first run after a build is slower for either tool
        # (caches), which is not what generation costs.
        "gen_$tool" "$WORK/changed"
        t=$(now); "gen_$tool" "$WORK/schemas"; T[$tool.gen]+="$(since "$t") "
        (cd "$WORK/$tool" && cargo clean --quiet -p "bench-$tool")
        t=$(now); check "$tool"; T[$tool.cold]+="$(since "$t") "
        "gen_$tool" "$WORK/changed"
        t=$(now); check "$tool"; T[$tool.change]+="$(since "$t") "
    done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
lines() { wc -l < "$WORK/$1/src/types.rs"; }
printf '%-32s %12s %12s %8s\n' measure events typify ratio
# Each round on its own (the goal is met when every round meets it).
for m in gen cold change; do
    read -r -a o <<<"${T[ours.$m]}"; read -r -a y <<<"${T[typify.$m]}"
    for r in "${!o[@]}"; do
        printf '%-32s %11.2fs %11.2fs %8.3f\n' "round $((r + 1)) $m" "${o[$r]}" "${y[$r]}" \
            "$(echo "${o[$r]} / ${y[$r]}" | bc -l)"
    done
done
echo "medians:"
for m in gen cold change; do
    o=$(median "${T[ours.$m]}"); y=$(median "${T[typify.$m]}")
    printf '%-32s %11.2fs %11.2fs %8.2f\n' "$m" "$o" "$y" "$(echo "$o / $y" | bc -l)"
done
printf '%-32s %12s %12s\n' "lines of generated code" "$(lines ours)" "$(lines typify)"
