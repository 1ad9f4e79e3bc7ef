#!/usr/bin/env bash
# events-kafka against raw rdkafka, in one run, on the same broker (bench/README.md,
# "Kafka"), then the typed consumer's memory over MEMORY messages.
# Needs a Kafka-protocol broker: tools/kafka-broker.sh start (127.0.0.1:9092).
#   bash bench/kafka.sh [COUNT] [ROUNDS] [MEMORY]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}
rounds=${2:-3}
memory=${3:-1000000}
bash tools/kafka-broker.sh start >/dev/null
cargo build -q --release -p events-kafka --example bench_kafka
./target/release/examples/bench_kafka --kafka "${KAFKA_BROKERS:-127.0.0.1:9092}" --count "$count" --rounds "$rounds"
if [ "$memory" != "0" ]; then
    ./target/release/examples/bench_kafka --kafka "${KAFKA_BROKERS:-127.0.0.1:9092}" --memory "$memory"
fi
