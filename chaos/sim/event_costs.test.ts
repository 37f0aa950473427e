// Event costs: CPU between two event starts is booked to the first one's label, labelling is not
// booked at all, labels name timers by their creator and deliveries by route and remoting code,
// and collecting costs leaves the run itself unchanged (same traceHash, same events).
import assert from "node:assert/strict";
import { test } from "node:test";
import { EventCosts, segmentLabel, timerLabel } from "./event_costs.ts";
import { createWorld, withWorldTrapped } from "./index.ts";
import { echoServer, recordingClient, ticker } from "./testing.ts";

test("EventCosts books the CPU between two starts to the first label, minus labelling", () => {
  let nowUs = 0;
  const costs = new EventCosts(() => nowUs);
  costs.begin("a");
  nowUs += 10;
  costs.label(() => {
    nowUs += 100;
    return "ignored";
  });
  nowUs += 5;
  costs.begin("b");
  nowUs += 7;
  costs.begin("a");
  nowUs += 1;
  costs.end();
  assert.deepEqual(costs.rows(), [
    { label: "a", events: 2, cpuUs: 16 },
    { label: "b", events: 1, cpuUs: 7 },
  ]);
});

test("timer labels name the node's role, the period and the first frame outside the simulator", () => {
  const stack = [
    "Error",
    "    at SimTimers.add (/repo/chaos/sim/node_timers.ts:70:5)",
    "    at SimTimers.setInterval (/repo/chaos/sim/node_timers.ts:50:5)",
    "    at HAService.start (/repo/system/ha/ha_service.ts:79:30)",
  ].join("\n");
  assert.equal(timerLabel("broker-a", 100, stack), "broker-a every 100 ms HAService.start");
  assert.equal(timerLabel("consumer-2", 0, stack), "consumer once HAService.start");
  assert.equal(timerLabel("namesrv", 0, undefined), "namesrv once ?");
});

test("segment labels read the remoting code and direction of a JSON header", () => {
  const request = new TextEncoder().encode(`\u0000\u0000\u0000\u0040\u0000\u0000\u0000\u0030{"code":310,"flag":0,"language":"JAVA"}`);
  const response = new TextEncoder().encode(`\u0000\u0000\u0000\u0040{"code":0,"flag":1}`);
  assert.equal(segmentLabel("producer-1", "broker-a", 10911, request), "net producer->broker-a:10911 request code 310");
  assert.equal(segmentLabel("broker-a", "producer-1", 10911, response), "net broker-a->producer:10911 response code 0");
  assert.equal(segmentLabel("broker-a-s", "broker-a", 10912, new Uint8Array(12)), "net broker-a-s->broker-a:10912 small");
  assert.equal(segmentLabel("a", "b", 1, null), "net a->b:1 fin/rst");
});

async function tickAndEcho(eventCosts: EventCosts | undefined): Promise<{ hash: string; events: number }> {
  const world = createWorld({ seed: 9, ...(eventCosts === undefined ? {} : { eventCosts }) });
  void world.addNode({ name: "server", ip: "10.0.0.1" }).start(echoServer(7000));
  void world.addNode({ name: "clock", ip: "10.0.0.3" }).start(ticker(250));
  const client = await world.settle(world.addNode({ name: "client", ip: "10.0.0.2" }).start(recordingClient("10.0.0.1", 7000)));
  client.recorder.connection.onData((chunk) => client.recorder.connection.write(chunk));
  client.recorder.send("ping");
  await withWorldTrapped(() => world.runFor(5_000));
  return { hash: world.traceHash(), events: world.eventsProcessed };
}

test("collecting event costs changes nothing in the run and books timers and deliveries", async () => {
  let nowUs = 0;
  const costs = new EventCosts(() => (nowUs += 1));
  const watched = await tickAndEcho(costs);
  const plain = await tickAndEcho(undefined);
  assert.deepEqual(watched, plain);
  const labels = costs.rows().map((row) => row.label);
  assert.ok(labels.some((label) => label.startsWith("clock every 250 ms")), labels.join("; "));
  assert.ok(labels.includes("net client->server:7000 small"), labels.join("; "));
  assert.equal(costs.rows().reduce((sum, row) => sum + row.events, 0), watched.events);
});
