// Reads Kafka messages (NDJSON: {"mode", "headers", "key", "value"}) with the CloudEvents
// JavaScript SDK (npm `cloudevents`, its Kafka binding) and writes each event back in
// binary and in structured mode, as the SDK writes them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.argv[3] + "/");
const { Kafka, CloudEvent } = require("cloudevents");

for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  if (!line.trim()) continue;
  const m = JSON.parse(line);
  const message = { headers: m.headers, key: m.key ?? undefined, body: m.value, value: m.value };
  const event = Kafka.toEvent(message);
  if (event.type !== m.type) throw new Error(`type ${event.type} != ${m.type}`);
  for (const [mode, emit] of [["binary", Kafka.binary], ["structured", Kafka.structured]]) {
    const out = emit(event);
    const body = typeof out.body === "string" ? out.body : JSON.stringify(out.body);
    const headers = {};
    for (const [k, v] of Object.entries(out.headers)) headers[k] = String(v);
    console.log(JSON.stringify({ mode, headers, key: out.key ?? null, value: body }));
  }
}
