#!/usr/bin/env bash
# A Kafka-protocol broker for the tests and examples: tansu 0.6.0 (crates.io), in memory,
# listening on 127.0.0.1:${KAFKA_PORT:-9092}.
#
#   tools/kafka-broker.sh start    # install once (cached), start, wait until it answers
#   tools/kafka-broker.sh stop     # stop the broker this script started on that port
#   tools/kafka-broker.sh status   # exit 0 when the port answers
#
# Idempotent: `start` on a port that already answers does nothing; `stop` of a broker that
# is not running does nothing. The binary is cached under $EVENTS_TOOLS
# (~/.cache/events-tools by default); installing it builds tansu from source, about
# 7 minutes on two cores. Newer tansu releases (renamed nisshi) need a newer rustc.
set -euo pipefail

VERSION=0.6.0
PORT="${KAFKA_PORT:-9092}"
TOOLS="${EVENTS_TOOLS:-$HOME/.cache/events-tools}"
ROOT="$TOOLS/tansu-$VERSION"
BIN="$ROOT/bin/tansu"
RUN="$TOOLS/kafka-$PORT"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

install() {
    [ -x "$BIN" ] && return 0
    echo "kafka-broker: installing tansu $VERSION into $ROOT (one time, ~7 minutes)" >&2
    mkdir -p "$TOOLS"
    local started=$SECONDS
    CARGO_TARGET_DIR="$TOOLS/tansu-build" cargo install --locked "tansu@$VERSION" \
        --no-default-features --features dynostore --root "$ROOT" >&2
    rm -rf "$TOOLS/tansu-build"
    echo "kafka-broker: tansu installed in $((SECONDS - started)) s" >&2
}

start() {
    if answers; then
        echo "kafka-broker: 127.0.0.1:$PORT already answers"
        return 0
    fi
    install
    mkdir -p "$RUN"
    # setsid: the broker outlives the shell that started it, and a test's process group.
    # Descriptors 3-9 are closed: a lock held by whoever called the script (`flock F
    # bash tools/kafka-broker.sh start`) must not stay held for the broker's lifetime.
    setsid "$BIN" broker \
        --listener-url "tcp://127.0.0.1:$PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$PORT" \
        --storage-engine "memory://tansu/" \
        --cluster-id "events-$PORT" \
        >"$RUN/broker.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    echo $! >"$RUN/pid"
    for _ in $(seq 1 150); do
        if answers; then
            echo "kafka-broker: tansu $VERSION answers on 127.0.0.1:$PORT (pid $(cat "$RUN/pid"))"
            return 0
        fi
        if ! kill -0 "$(cat "$RUN/pid")" 2>/dev/null; then
            echo "kafka-broker: tansu exited; its log:" >&2
            tail -n 40 "$RUN/broker.log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "kafka-broker: no answer on 127.0.0.1:$PORT after 30 s; log in $RUN/broker.log" >&2
    return 1
}

stop() {
    local pid
    pid=$(cat "$RUN/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        echo "kafka-broker: stopped pid $pid"
    fi
    rm -f "$RUN/pid"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) answers ;;
    install) install ;;
    *) echo "usage: $0 start|stop|status|install" >&2; exit 2 ;;
esac
