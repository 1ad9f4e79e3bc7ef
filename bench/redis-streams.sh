#!/usr/bin/env bash
# events-redis against its peers in one run, on a private redis-server (loopback):
#   publish_batch vs redis-benchmark's pipelined XADD of the same fields at the same depth
#   (rounds of alternating slices: SLICES=10 by default),
#   consume + ack vs a raw XREADGROUP COUNT 100 + XACK loop written with the redis crate.
# Usage: bash bench/redis-streams.sh [N] [DEPTH]
#   MEM=1000000: entries of the memory run (Consumer RSS over them).
#   BEFORE=path/to/an/older/bench_streams binary: measured too, in the same run, for
#   before/after ratios against the same peer (build it from an older commit first).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
DEPTH=${2:-100}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
export REDIS_URL="redis://127.0.0.1:$PORT"
flock /tmp/cargo.lock cargo build -q --release -p events-redis --example bench_streams 2>/dev/null \
  || cargo build -q --release -p events-redis --example bench_streams
BIN=target/release/examples/bench_streams
ITEMS='[{"listing_id":100,"quantity":2,"warehouse_id":1}]'
# Publishing, 3 rounds. This VM's speed drifts by ±25% within a second, so a round is
# SLICES (default 10) slices of N/SLICES events per side, the sides alternating (their
# order flipped every slice), and each side's rate is its events over its summed time.
SLICES=${SLICES:-10}
n=$((N / SLICES))
peer() {  # one slice of redis-benchmark: its events per second
  redis-cli -p "$PORT" DEL bench:rb >/dev/null
  # One connection, DEPTH commands per pipeline: the same shape as publish_batch.
  redis-benchmark -p "$PORT" -c 1 -P "$DEPTH" -n "$n" -q \
    XADD bench:rb '*' type order.confirmed version 1.0 timestamp 1734825600 order_id 1 storefront_id 999 items "$ITEMS" \
    | tr '\r' '\n' | grep 'requests per second' | tail -1 | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/'
}
ours() {  # one slice of publish_batch (of the binary $1): its events per second
  "$1" publish "$n" "$DEPTH" | awk '{print $(NF-1)}'
}
sides="peer after"
[ -n "${BEFORE:-}" ] && sides="peer before after"
slice() {
  case $1 in
    peer) peer ;;
    before) ours "$BEFORE" ;;
    after) ours "$BIN" ;;
  esac
}
for round in 1 2 3; do
  declare -A secs=() rates=()
  for side in $sides; do secs[$side]=0; rates[$side]=""; done
  for s in $(seq "$SLICES"); do
    order=$sides
    [ $((s % 2)) = 0 ] && order=$(echo "$sides" | tr ' ' '\n' | tac | tr '\n' ' ')
    for side in $order; do
      rate=$(slice "$side")
      secs[$side]=$(python3 -c "print(${secs[$side]} + $n / $rate)")
      rates[$side]="${rates[$side]} ${rate%.*}"
    done
  done
  echo "--- round $round ($SLICES alternating slices of $n events per side)"
  for side in $sides; do
    rate=$(python3 -c "print(round($((n * SLICES)) / ${secs[$side]}))")
    case $side in
      peer) echo "redis-benchmark -c 1 -P $DEPTH XADD: $rate/s  (slices:${rates[$side]})" ;;
      *) echo "$side: publish_batch depth $DEPTH: $rate/s, ratio $(python3 -c "print(round(${secs[peer]} / ${secs[$side]}, 3))")  (slices:${rates[$side]})" ;;
    esac
  done
done
for round in 1 2 3; do
  echo "--- consume round $round"
  if [ -n "${BEFORE:-}" ]; then echo "before:"; "$BEFORE" consume "$N"; fi
  echo "after:"; "$BIN" consume "$N"
done
# Memory: the Consumer's resident set while it handles MEM entries published beforehand
# by another process (flat: the last figure close to the first).
MEM=${MEM:-1000000}
echo "--- memory over $MEM entries"
"$BIN" fill "$MEM"
"$BIN" memory "$MEM"
# A publish to a server that died: how long until it fails (a private server killed after
# one publish; the tests assert the error and its kind, not the time).
echo "--- publish to a dead server"
"$BIN" dead 200
