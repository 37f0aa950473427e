// The run's helper inside its network namespace: the deployer lives in the host namespace and
// cannot open sockets inside the run's, so this process (started with `ip netns exec`) does
// it: connect probes for readiness and tests, and the delaying relays of flow faults. JSON
// lines in on stdin, JSON lines out on stdout; it exits when stdin closes, so it never
// outlives its deployer.
import { createInterface } from "node:readline";
import { probeConnect, type ProbeRequest, type ProbeResult } from "../wall_cluster/probe.ts";
import { DelayRelay, type RelaySpec } from "./relay.ts";

export type AgentRequest =
  | { id: number; op: "probe"; probe: ProbeRequest }
  | { id: number; op: "relay-start"; relay: RelaySpec }
  | { id: number; op: "relay-stop"; relayId: string };

export type AgentResponse = { id: number; result: ProbeResult } | { id: number; error: string };

const relays = new Map<string, DelayRelay>();

async function perform(request: AgentRequest): Promise<ProbeResult> {
  switch (request.op) {
    case "probe":
      return probeConnect(request.probe);
    case "relay-start": {
      const relay = new DelayRelay(request.relay);
      await relay.start();
      relays.set(request.relay.id, relay);
      return { ok: true, elapsedMs: 0 };
    }
    case "relay-stop":
      relays.get(request.relayId)?.stop();
      relays.delete(request.relayId);
      return { ok: true, elapsedMs: 0 };
  }
}

async function answer(request: AgentRequest): Promise<AgentResponse> {
  try {
    return { id: request.id, result: await perform(request) };
  } catch (error) {
    return { id: request.id, error: (error as Error).message };
  }
}

function main(): void {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    const request = JSON.parse(line) as AgentRequest;
    void answer(request).then((response) => process.stdout.write(JSON.stringify(response) + "\n"));
  });
  lines.on("close", () => process.exit(0));
  process.stdout.write(JSON.stringify({ id: 0, result: { ok: true, elapsedMs: 0 } }) + "\n");
}

main();
