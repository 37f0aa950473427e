// Test support: the third-party ali-ons 3.12.0 client (CommonJS) in its own OS process, driven by
// one JSON argument. ali-ons keeps timers (its hidden inner producer), so the process exits
// explicitly. Reports on stdout, one JSON object per line.
//   produce: {"mode":"produce","nameSrv":[..],"topic","group","messages":[{"tags","body","keys"}]}
//   sendOnce: like produce, one message, one attempt (the broker's error remark is the fatal message)
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
// ACL: ali-ons signs every request (lib/channel.js beforeRequest) when both keys are set.
const credentials = config.accessKey === undefined ? {} : { accessKey: config.accessKey, secretKey: config.secretKey };
const emit = (line) => process.stdout.write(`${JSON.stringify({ ...line, atMs: Date.now() })}\n`);

async function produce() {
  const producer = new Producer({ httpclient, logger, nameSrv: config.nameSrv, producerGroup: config.group, ...credentials });
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

// One attempt through ali-ons' own send path (sendKernelImpl), no retry loop: the loop in
// send() swallows SYSTEM_ERROR and ends with a generic "Send [n] times" error, this surfaces
// the broker's remark (e.g. an ACL rejection) as the fatal message.
async function sendOnce() {
  const producer = new Producer({ httpclient, logger, nameSrv: config.nameSrv, producerGroup: config.group, ...credentials });
  await producer.ready();
  const info = await producer.tryToFindTopicPublishInfo(config.topic);
  const spec = config.messages[0];
  const result = await producer.sendKernelImpl(new Message(config.topic, spec.tags, spec.body), info.messageQueueList[0]);
  emit({ type: 'sent', body: spec.body, sendStatus: result.sendStatus });
  await producer.close();
  process.exit(0);
}

async function consume() {
  const consumer = new Consumer({
    httpclient, logger, nameSrv: config.nameSrv, consumerGroup: config.group, isBroadcast: config.isBroadcast === true, ...credentials,
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

(config.mode === 'produce' ? produce() : config.mode === 'sendOnce' ? sendOnce() : consume()).catch((error) => {
  emit({ type: 'fatal', message: error.message, code: error.code });
  process.exit(2);
});
