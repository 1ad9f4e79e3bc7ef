"""Reads Kafka messages (NDJSON: {"mode", "headers", "key", "value"}) with the CloudEvents
Python SDK (PyPI `cloudevents` 2.x, cloudevents.core.bindings.kafka) and writes each
event back in binary and in structured mode, as the SDK writes them."""
import json
import sys

from cloudevents.core.bindings import kafka
from cloudevents.core.formats.json import JSONFormat

fmt = JSONFormat()


def out(mode, msg):
    key = msg.key.decode() if isinstance(msg.key, bytes) else msg.key
    print(json.dumps({
        "mode": mode,
        "headers": {k: v.decode() for k, v in msg.headers.items()},
        "key": key,
        "value": msg.value.decode(),
    }))


for line in open(sys.argv[1]):
    m = json.loads(line)
    msg = kafka.KafkaMessage(
        headers={k: v.encode() for k, v in m["headers"].items()},
        key=m["key"].encode() if m["key"] is not None else None,
        value=m["value"].encode(),
    )
    event = kafka.from_binary(msg, fmt) if m["mode"] == "binary" else kafka.from_structured(msg, fmt)
    assert event.get_type() == m["type"], (event.get_type(), m["type"])
    out("binary", kafka.to_binary(event, fmt))
    out("structured", kafka.to_structured(event, fmt))
