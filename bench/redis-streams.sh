#!/usr/bin/env bash
# events-redis against its peers in one run, on a private redis-server (loopback):
#   publish_batch vs redis-benchmark's pipelined XADD of the same fields at the same depth,
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
for round in 1 2 3; do
  echo "--- round $round"
  redis-cli -p "$PORT" DEL bench:rb >/dev/null
  # One connection, DEPTH commands per pipeline: the same shape as publish_batch.
  redis-benchmark -p "$PORT" -c 1 -P "$DEPTH" -n "$N" -q \
    XADD bench:rb '*' type order.confirmed version 1.0 timestamp 1734825600 order_id 1 storefront_id 999 items "$ITEMS" \
    | tr '\r' '\n' | grep -v '^$' | tail -1
  if [ -n "${BEFORE:-}" ]; then echo -n "before: "; "$BEFORE" publish "$N" "$DEPTH"; fi
  echo -n "after:  "; "$BIN" publish "$N" "$DEPTH"
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
