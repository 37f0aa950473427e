// A ClusterNode that only remembers what was done to it, in one shared log, for tests of the
// shared wall-clock cluster code (no process, no container).
import type { DeployedNode, NodeRole } from "../../types.ts";
import type { ClusterNode } from "../cluster_nodes.ts";

export class FakeNode implements ClusterNode {
  running = true;
  paused = false;
  /** When set, stop() rejects with it. */
  stopError: Error | undefined;

  constructor(readonly name: string, readonly role: NodeRole, private readonly log: string[]) {}

  describe(): DeployedNode {
    return { name: this.name, role: this.role, alive: this.running && !this.paused };
  }

  crash(): Promise<void> {
    this.log.push(`crash ${this.name}`);
    this.running = false;
    return Promise.resolve();
  }

  restart(): Promise<boolean> {
    if (this.running) return Promise.resolve(false);
    this.log.push(`restart ${this.name}`);
    this.running = true;
    return Promise.resolve(true);
  }

  pause(): Promise<void> {
    this.log.push(`pause ${this.name}`);
    this.paused = true;
    return Promise.resolve();
  }

  resume(): Promise<void> {
    this.log.push(`resume ${this.name}`);
    this.paused = false;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.log.push(`stop ${this.name}`);
    if (this.stopError !== undefined) return Promise.reject(this.stopError);
    this.running = false;
    return Promise.resolve();
  }
}
