// Publishes seed 004's three order events exactly as its MessageBrokerAdapter does:
// a topic exchange asserted durable, the event name as routing key, the JSON of
// {name, id, timestamp, data} (camelCase payload fields) as the body, {persistent: true}
// and no other property. Prints each message it published as one JSON line.
//
//   node publish.js AMQP_URL EXCHANGE

'use strict';

const crypto = require('node:crypto');
const amqp = require('amqplib');

const [url, exchange] = process.argv.slice(2);

// The adapter's message: what the service's EventBus hands it.
function message(name, data) {
  return { name, id: crypto.randomUUID(), timestamp: new Date().toISOString(), data };
}

async function main() {
  const orderId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  const messages = [
    message('order.created', {
      orderId,
      userId,
      items: [{ productId: crypto.randomUUID(), quantity: 2, price: 6275.0 }],
      // The seed's 12550.00, which JSON.stringify writes as 12550.
      total: 12550.0,
      status: 'created',
    }),
    message('order.status.updated', { orderId, userId, oldStatus: 'created', newStatus: 'in_progress' }),
    message('order.cancelled', { orderId, userId, oldStatus: 'in_progress', newStatus: 'cancelled' }),
  ];

  // connect() of the seed's adapter.
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });

  // publish(routingKey, message) of the seed's adapter, with the event name as key.
  for (const m of messages) {
    const content = Buffer.from(JSON.stringify(m));
    channel.publish(exchange, m.name, content, { persistent: true });
    process.stdout.write(`${JSON.stringify(m)}\n`);
  }
  // Closing after the publishes: the broker has them all once the close is answered.
  await channel.close();
  await connection.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
