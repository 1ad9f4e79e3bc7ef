#!/usr/bin/env bash
# events-outbox in one run (bench/README.md, "Outbox"): enqueue against a plain INSERT of
# the same JSON in the same transactions; relay throughput against the sink's own publish
# rate of the same events (Kafka and Redis Streams), with 1, 2 and 4 relays.
# Needs PostgreSQL (127.0.0.1:5432, user postgres, database test), Redis (127.0.0.1:6379,
# database 7 is used and its seed 003 streams deleted) and a Kafka-protocol broker
# (tools/kafka-broker.sh start).
#   bash bench/outbox.sh [EVENTS] [BATCH]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-20000}
batch=${2:-100}
bash tools/kafka-broker.sh start >/dev/null
cargo build -q --release -p events-outbox --example bench_outbox
./target/release/examples/bench_outbox --events "$events" --batch "$batch" \
    --pg "${EVENTS_PG_URL:-host=127.0.0.1 port=5432 user=postgres dbname=test}" \
    --kafka "${KAFKA_BROKERS:-127.0.0.1:9092}" --redis "${REDIS_BENCH_URL:-redis://127.0.0.1:6379/7}"
