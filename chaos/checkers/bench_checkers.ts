// Measures runCheckers on a synthetic clean history (default 1,000,000 events: sends, acks and
// deliveries over 4 queues). Run: npx tsx chaos/checkers/bench_checkers.ts [messages]
import { checkers } from "./index.ts";
import { indexHistory } from "./history_index.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

const messages = Number(process.argv[2] ?? 333_334);
const queues = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"];
const builder = new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", queues);
for (let index = 0; index < messages; index++) {
  builder.send({ id: `m-${index}`, at: 10 + index, queue: queues[index % 4] ?? "", offset: Math.floor(index / 4) })
    .deliver({ id: `m-${index}`, at: 15 + index });
}
const history = builder.events;
const context = testContext({ queues: 2 });
const startedCpu = process.cpuUsage();
const startedMs = performance.now();
let lapMs = startedMs;
const lap = (label: string): void => {
  const nowMs = performance.now();
  console.log(`${label.padEnd(10)} ${Math.round(nowMs - lapMs)} ms`);
  lapMs = nowMs;
};
indexHistory(history);
lap("index");
for (const [name, checker] of Object.entries(checkers)) {
  const result = checker(history, context);
  lap(`${name}`);
  if (result.verdict !== "pass") console.log(`  unexpected verdict: ${result.summary}`);
}
const cpu = process.cpuUsage(startedCpu);
console.log(`${history.length} events: ${Math.round(performance.now() - startedMs)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU`);
