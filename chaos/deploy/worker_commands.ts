// The deployer → worker direction of the worker protocol (worker_protocol.ts has the other):
// one line on the worker's stdin per command. "stop-producers" and "stop" are what SIGUSR2 and
// SIGTERM do; "acl-secret {json}" is the acl-secret fault: the worker's clients sign with
// {"secretKey": ...} from now on, and with their own secret again when the key is absent (heal).
// The worker answers an acl-secret line with the control event "acl-secret", so a deployer can
// wait until the swap happened. Lines are parsed strictly: anything else is not a command.
import type { WorkerControl, WorkloadNodeHandle } from "./worker_protocol.ts";

export type WorkerCommand =
  | { kind: "stop-producers" }
  | { kind: "stop" }
  /** secretKey undefined: back to the node's own secret (the fault's heal). */
  | { kind: "acl-secret"; secretKey: string | undefined };

const aclSecretVerb = "acl-secret ";

export function formatWorkerCommand(command: WorkerCommand): string {
  switch (command.kind) {
    case "stop-producers":
    case "stop":
      return `${command.kind}\n`;
    case "acl-secret":
      return aclSecretVerb + JSON.stringify(command.secretKey === undefined ? {} : { secretKey: command.secretKey }) + "\n";
    default: {
      const unreachable: never = command;
      throw new Error(`unformattable worker command ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The command a stdin line carries, or the reason it carries none (never throws). */
export function parseWorkerCommand(line: string): WorkerCommand | { invalid: string } {
  const text = line.trim();
  if (text === "stop-producers" || text === "stop") return { kind: text };
  if (!text.startsWith(aclSecretVerb)) return { invalid: `unknown command: ${text.slice(0, 40)}` };
  let body: unknown;
  try {
    body = JSON.parse(text.slice(aclSecretVerb.length));
  } catch (error) {
    return { invalid: `acl-secret: ${(error as Error).message}` };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { invalid: "acl-secret: not a JSON object" };
  const secretKey: unknown = (body as { secretKey?: unknown }).secretKey;
  if (secretKey !== undefined && (typeof secretKey !== "string" || secretKey === "")) return { invalid: "acl-secret: secretKey must be a non-empty string" };
  return { kind: "acl-secret", secretKey };
}

/** What a worker does with its commands: its stop actions, its node, its control line. */
export interface WorkerCommandTarget {
  stopProducing(): void;
  stop(): void;
  node: Pick<WorkloadNodeHandle, "setAclSecret">;
  control(message: WorkerControl): void;
}

export function runWorkerCommand(command: WorkerCommand, target: WorkerCommandTarget): void {
  switch (command.kind) {
    case "stop-producers":
      return target.stopProducing();
    case "stop":
      return target.stop();
    case "acl-secret": {
      // A workload module without ACL support says so rather than pretending the swap happened.
      const applied = target.node.setAclSecret !== undefined;
      target.node.setAclSecret?.(command.secretKey);
      return target.control({ event: "acl-secret", applied });
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled worker command ${JSON.stringify(unreachable)}`);
    }
  }
}
