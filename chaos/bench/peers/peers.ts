// The peers of the side-by-side benchmark, each driven with the same client budget from this one
// Node process: 1 KiB payloads, a window of `window` publishes in flight, sequential publishes,
// then a backlog drained by the peer's pull and push (or group) consumers.
import { RespClient } from "./resp_client.ts";
import { NatsClient } from "./nats_client.ts";
import type { NatsMessage } from "./nats_client.ts";
import { HOST, startNats, startRedis } from "./peer_servers.ts";
import { measure, runSequential, runWindow, warmUp } from "./drivers.ts";
import type { Figure, Measured } from "./drivers.ts";

export interface BenchConfig {
  n: number;
  /**
   * Publishes before the measured ones, per system: JIT warm-up of the client (and of mqlab's
   * broker). 5,000 left the first measured row cold (client CPU µs per message twice the later
   * rows'), so the first system in the run looked slower than the same system measured later.
   */
  warmN: number;
  sequentialN: number;
  backlog: number;
  window: number;
  maxSeconds: number;
  fillMaxSeconds: number;
  payload: Uint8Array;
  dataDir: string;
  natsPort: number;
  redisPort: number;
}

/** Drains `total` messages; `onBatch` returns how many arrived. */
async function drain(total: number, maxSeconds: number, step: () => Promise<number>): Promise<Measured> {
  const started = performance.now();
  let count = 0;
  while (count < total && performance.now() - started < maxSeconds * 1000) {
    const got = await step();
    if (got === 0) break;
    count += got;
  }
  const seconds = (performance.now() - started) / 1000;
  return { count, seconds, rate: count / seconds, p50Ms: NaN, p99Ms: NaN };
}

export async function benchRedis(config: BenchConfig, appendfsync: "everysec" | "always"): Promise<Figure[]> {
  const server = await startRedis(config.redisPort, `${config.dataDir}/redis-${appendfsync}`, appendfsync);
  const peer = `redis-${appendfsync}`;
  const client = await RespClient.connect(HOST, config.redisPort);
  const figures: Figure[] = [];
  try {
    const xadd = (key: string) => () => client.command("XADD", key, "*", "d", config.payload);
    console.error(`  ${peer} warm-up: ${await warmUp(config.warmN, config.window, config.maxSeconds, xadd("warm"))} publishes`);
    figures.push(await measure(peer, "publish", server.pid, () => runWindow(config.n, config.window, config.maxSeconds, xadd("pub"))));
    figures.push(await measure(peer, "sequential", server.pid, () => runSequential(config.sequentialN, config.maxSeconds, xadd("seq"))));
    const fill = await measure(peer, "fill", server.pid, () => runWindow(config.backlog, config.window, config.fillMaxSeconds, xadd("bl")));
    figures.push(fill);
    await client.command("XGROUP", "CREATE", "bl", "g", "0");
    let lastAck: Promise<unknown> = Promise.resolve();
    figures.push(await measure(peer, "drain-pull", server.pid, () => drain(fill.count, config.maxSeconds, async () => {
      const reply = await client.command("XREADGROUP", "GROUP", "g", "c1", "COUNT", 1000, "STREAMS", "bl", ">");
      if (!Array.isArray(reply)) return 0;
      const entries = (reply[0] as unknown[])[1] as [Buffer, Buffer[]][];
      lastAck = client.command("XACK", "bl", "g", ...entries.map((entry) => entry[0]));
      return entries.length;
    })));
    await lastAck;
  } finally {
    client.close();
    await server.stop();
  }
  return figures;
}

export async function benchNats(config: BenchConfig): Promise<Figure[]> {
  const server = await startNats(config.natsPort, `${config.dataDir}/nats`);
  const client = await NatsClient.connect(HOST, config.natsPort);
  const figures: Figure[] = [];
  try {
    for (const name of ["WARM", "PUB", "SEQ", "BL"]) {
      await client.jsApi(`$JS.API.STREAM.CREATE.${name}`, { name, subjects: [`${name.toLowerCase()}.>`], storage: "file", num_replicas: 1 });
    }
    const publish = (stream: string) => async () => {
      const answer = await client.request(`${stream}.x`, config.payload);
      if (answer.status !== undefined || answer.data.includes("\"error\"")) throw new Error(`nats publish: ${answer.data.toString()}`);
    };
    console.error(`  nats warm-up: ${await warmUp(config.warmN, config.window, config.maxSeconds, publish("warm"))} publishes`);
    figures.push(await measure("nats", "publish", server.pid, () => runWindow(config.n, config.window, config.maxSeconds, publish("pub"))));
    figures.push(await measure("nats", "sequential", server.pid, () => runSequential(config.sequentialN, config.maxSeconds, publish("seq"))));
    const fill = await measure("nats", "fill", server.pid, () => runWindow(config.backlog, config.window, config.fillMaxSeconds, publish("bl")));
    figures.push(fill);
    await client.jsApi("$JS.API.CONSUMER.DURABLE.CREATE.BL.bench", { stream_name: "BL", config: { durable_name: "bench", ack_policy: "explicit", max_ack_pending: 50_000 } });
    figures.push(await measure("nats", "drain-pull", server.pid, () => natsPullDrain(client, fill.count, config.maxSeconds)));
  } finally {
    client.close();
    await server.stop();
  }
  return figures;
}

/** Pull batches of 1000 (a new request when half of one has arrived), one ack per message. */
async function natsPullDrain(client: NatsClient, total: number, maxSeconds: number): Promise<Measured> {
  const started = performance.now();
  let count = 0;
  let requested = 0;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, maxSeconds * 1000);
    const inbox = client.listen((message: NatsMessage) => {
      if (message.status !== undefined) {
        requested = Math.max(0, requested - 1000);
        ask();
        return;
      }
      count++;
      if (message.reply !== undefined) client.publish(message.reply, "+ACK");
      if (count >= total) {
        clearTimeout(timer);
        inbox.stop();
        resolve();
      } else ask();
    });
    const ask = (): void => {
      while (requested - count < 1000 && requested < total) {
        requested += 1000;
        client.publish("$JS.API.CONSUMER.MSG.NEXT.BL.bench", JSON.stringify({ batch: 1000, expires: 2_000_000_000 }), inbox.reply);
      }
    };
    ask();
  });
  await client.flush();
  const seconds = (performance.now() - started) / 1000;
  return { count, seconds, rate: count / seconds, p50Ms: NaN, p99Ms: NaN };
}
