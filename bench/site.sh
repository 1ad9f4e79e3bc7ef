#!/usr/bin/env bash
# `events docs --html` on the seed catalog (schemas/, seeds 000/001) with the release
# binary: the median of RUNS runs (default 5), each into a fresh directory. Fails if the
# median is one second or more (issue 23: "generation of the seed catalog's site takes
# under a second"). bench/README.md, "The catalog as a site".
#   bash bench/site.sh [RUNS] [SCHEMAS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
schemas=${2:-schemas}
target=${CARGO_TARGET_DIR:-target}
cargo build -q --release -p events-cli --bin events
bin="$target/release/events"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
times=()
for i in $(seq 1 "$runs"); do
    out="$tmp/site-$i"
    start=$(date +%s%N)
    "$bin" docs --html --schemas "$schemas" --out "$out"
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
done
files=$(find "$tmp/site-1" -type f | wc -l)
size=$(du -sk "$tmp/site-1" | cut -f1)
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "events docs --html --schemas $schemas: $files files, ${size} KiB"
echo "runs (ms): ${times[*]}"
echo "median: ${median} ms"
if [ "$median" -ge 1000 ]; then
    echo "bench/site.sh: the median ($median ms) is not under one second" >&2
    exit 1
fi
