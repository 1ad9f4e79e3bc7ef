#!/usr/bin/env bash
# The compatibility checker's random differential test, for longer than CI runs it: mutated
# schemas, the engine's verdict, a witness searched with the validator (see
# check/tests/differential.rs). Fails on any compatible verdict that has a witness.
# Usage: bash bench/check-differential.sh [seconds] [seed]   (600 s, a seed from the clock)
set -euo pipefail
cd "$(dirname "$0")/.."
export EVENTS_DIFFERENTIAL_SECS=${1:-600}
if [ -n "${2:-}" ]; then
    export EVENTS_DIFFERENTIAL_SEED=$2
fi
cargo test --release -q -p events-check --test differential -- --nocapture 2>&1 |
    grep -v '^$'
