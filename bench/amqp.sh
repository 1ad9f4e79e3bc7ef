#!/usr/bin/env bash
# events-amqp against a raw lapin loop, in one run (bench/README.md, "RabbitMQ").
# Needs RabbitMQ on 127.0.0.1:5672 (guest/guest) and rabbitmqctl; the benchmark gets a
# virtual host of its own, deleted at the end.
#   bash bench/amqp.sh [COUNT] [ROUNDS] [WINDOW]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}
rounds=${2:-3}
window=${3:-100}
vhost="events-bench-$$"
rabbitmqctl add_vhost "$vhost" >/dev/null
trap 'rabbitmqctl delete_vhost "$vhost" >/dev/null' EXIT
rabbitmqctl set_permissions -p "$vhost" guest ".*" ".*" ".*" >/dev/null
cargo build -q --release -p events-amqp --example bench_amqp
./target/release/examples/bench_amqp --amqp "amqp://guest:guest@127.0.0.1:5672/$vhost" \
    --count "$count" --rounds "$rounds" --window "$window"
