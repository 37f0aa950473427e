// Test support: the third-party ali-ons 3.12.0 client (CommonJS) in its own OS process, driven by
// one JSON argument. ali-ons keeps timers (its hidden inner producer), so the process exits
// explicitly. Reports on stdout, one JSON object per line.
//   produce: {"mode":"produce","nameSrv":[..],"topic","group","messages":[{"tags","body","keys"}]}
//   consume: {"mode":"consume","nameSrv":[..],"topic","group","subExpression","isBroadcast","instanceName"}
'use strict';
const { Producer, Consumer, Message } = require('ali-ons');

const config = JSON.parse(process.argv[2]);
// ali-ons asserts an urllib-like httpclient even with nameSrv set; it is never called then.
const httpclient = { request: async () => { throw new Error('httpclient must not be used with nameSrv'); } };
const logger = {
  info() {}, debug() {},
  warn(...args) { process.stderr.write(`[warn] ${args.map(String).join(' ')}\n`); },
  error(...args) { process.stderr.write(`[error] ${args.map((a) => (a && a.stack) || String(a)).join(' ')}\n`); },
};
const emit = (line) => process.stdout.write(`${JSON.stringify({ ...line, atMs: Date.now() })}\n`);

async function produce() {
  const producer = new Producer({ httpclient, logger, nameSrv: config.nameSrv, producerGroup: config.group });
  producer.on('error', (error) => emit({ type: 'error', message: error.message }));
  await producer.ready();
  for (const spec of config.messages) {
    const message = new Message(config.topic, spec.tags, spec.body);
    if (spec.keys) message.keys = spec.keys;
    const result = await producer.send(message);
    emit({ type: 'sent', body: spec.body, sendStatus: result.sendStatus, msgId: result.msgId,
      brokerName: result.messageQueue.brokerName, queueId: result.messageQueue.queueId, queueOffset: result.queueOffset });
  }
  await producer.close();
  emit({ type: 'done' });
  process.exit(0);
}

async function consume() {
  const consumer = new Consumer({
    httpclient, logger, nameSrv: config.nameSrv, consumerGroup: config.group, isBroadcast: config.isBroadcast === true,
    instanceName: config.instanceName, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceInterval: 1000,
    persistConsumerOffsetInterval: 500, brokerSuspendMaxTimeMillis: 2000,
  });
  consumer.on('error', (error) => emit({ type: 'error', message: error.message }));
  consumer.subscribe(config.topic, config.subExpression, async (message) => {
    emit({ type: 'msg', body: message.body.toString(), tags: message.tags, msgId: message.msgId, queueId: message.queueId,
      queueOffset: message.queueOffset, reconsumeTimes: message.reconsumeTimes });
  });
  await consumer.ready();
  emit({ type: 'ready' });
  process.on('SIGTERM', () => {
    consumer.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

(config.mode === 'produce' ? produce() : consume()).catch((error) => {
  emit({ type: 'fatal', message: error.message, code: error.code });
  process.exit(2);
});
