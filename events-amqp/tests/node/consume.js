// Consumes COUNT messages with amqplib from QUEUE, declared and bound to EXCHANGE with
// KEY, as a Node service of seed 004 would read what a Rust publisher sends. Prints
// `{"ready":true}` once the queue is bound, then one JSON line per message: the body as
// text and parsed, its keys in order, and the properties a Node consumer sees.
//
//   node consume.js AMQP_URL EXCHANGE QUEUE KEY COUNT

'use strict';

const amqp = require('amqplib');

const [url, exchange, queue, key, count] = process.argv.slice(2);
const wanted = Number(count);

async function main() {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, key);
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

  let received = 0;
  const timer = setTimeout(() => {
    console.error(`timed out: ${received} of ${wanted} messages`);
    process.exit(1);
  }, 30_000);
  await new Promise((resolve) => {
    channel.consume(queue, (msg) => {
      if (msg === null) {
        console.error('the broker cancelled the consumer');
        process.exit(1);
      }
      const raw = msg.content.toString('utf8');
      const body = JSON.parse(raw);
      const p = msg.properties;
      const line = {
        raw,
        body,
        keys: Object.keys(body),
        dataKeys: Object.keys(body.data),
        exchange: msg.fields.exchange,
        routingKey: msg.fields.routingKey,
        properties: {
          contentType: p.contentType,
          deliveryMode: p.deliveryMode,
          messageId: p.messageId,
          type: p.type,
          timestamp: p.timestamp,
        },
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      channel.ack(msg);
      received += 1;
      if (received === wanted) resolve();
    });
  });
  clearTimeout(timer);
  await channel.close();
  await connection.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
