#!/usr/bin/env bash
# What a consumer of the contracts pays: a fresh binary crate that depends only on
# `events-types` (optionally with the `redis` feature), built cold in its own target dir.
# Prints the packages in its build graph (`cargo tree -e normal,build`, unique) and the
# cold `cargo build` time.
# Usage: bash bench/downstream.sh [workspace dir, default: this one] [--redis] [--no-build]
# (--redis adds events-rt with its `redis` feature, which works on older commits too)
set -euo pipefail
ws=$(cd "${1:-$(dirname "$0")/..}" && pwd)
features=""
build=1
for arg in "${@:2}"; do
    case "$arg" in
        --redis) features=redis ;;
        --no-build) build=0 ;;
    esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/app/src"
cat > "$tmp/app/Cargo.toml" <<TOML
[package]
name = "downstream-app"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
events-types = { path = "$ws/events-types" }
$( [ -n "$features" ] && echo "events-rt = { path = \"$ws/events-rt\", features = [\"redis\"] }" )

[workspace]
TOML
cat > "$tmp/app/src/main.rs" <<'RS'
fn main() {
    let e = events_types::Event::from_json(br#"{"type":"order.cancelled","order_id":1,"reason":"r","timestamp":1}"#);
    println!("{:?}", e.map(|e| e.event_type()));
}
RS
# The lock file of the workspace, so that the same versions are resolved.
cp "$ws/Cargo.lock" "$tmp/app/Cargo.lock"
cd "$tmp/app"
packages=$(cargo tree -q -e normal,build --prefix none | sed 's/ (\*)//; s/ (proc-macro)//' | sort -u | grep -v '^downstream-app' | wc -l)
echo "packages in the build graph of a crate depending on events-types${features:+ (+ events-rt/redis)}: $packages"
if [ "$build" = 1 ]; then
    t0=$(date +%s.%N)
    CARGO_TARGET_DIR="$tmp/target" cargo build -q
    t1=$(date +%s.%N)
    echo "cold cargo build (debug): $(echo "$t1 - $t0" | bc) s"
fi
