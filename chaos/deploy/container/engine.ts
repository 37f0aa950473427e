// Finds the Docker engine the container deployer talks to. DOCKER_HOST (or testcontainers'
// own configuration) wins; otherwise the local socket. With `start: true` and no engine, runs
// docker_up.sh (Debian's docker.io, dockerd on vfs), which needs root. Ryuk, testcontainers'
// reaper, needs an image from a registry, which these machines cannot reach: it is always off,
// and every run cleans up after itself by its `mqlab.run` label instead (cleanup.ts).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type Dockerode from "dockerode";
import type { ContainerRuntimeClient } from "testcontainers";
import { errorText } from "../../../system/stdx/index.ts";

process.env.TESTCONTAINERS_RYUK_DISABLED = "true";

const execFileAsync = promisify(execFile);
export const dockerUpScript = join(dirname(fileURLToPath(import.meta.url)), "docker_up.sh");

export class NoEngineError extends Error {
  constructor(detail: string) {
    const where = process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : "the local socket /var/run/docker.sock";
    super(
      `no Docker engine answers at ${where} (${detail}). ` +
        "Start one with `npx just docker-up` (as root: installs Debian's docker.io and starts dockerd), " +
        "or point DOCKER_HOST at a running engine.",
    );
    this.name = "NoEngineError";
  }
}

export interface Engine {
  client: ContainerRuntimeClient;
  docker: Dockerode;
  serverVersion: string;
  /**
   * True when the engine runs on this machine's kernel, so a container's network namespace can
   * be entered from here (nsenter -t <pid> -n). False for a remote DOCKER_HOST.
   */
  local: boolean;
}

let connecting: Promise<Engine> | undefined;

async function connectOnce(): Promise<Engine> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  let client: ContainerRuntimeClient;
  try {
    client = await getContainerRuntimeClient();
  } catch (error) {
    throw new NoEngineError(errorText(error));
  }
  const docker = client.container.dockerode;
  const host = process.env.DOCKER_HOST ?? "";
  const local = (host === "" || host.startsWith("unix://")) && process.getuid?.() === 0 && existsSync("/proc/self/ns/net");
  return { client, docker, serverVersion: String(client.info.containerRuntime.serverVersion), local };
}

/** Connects to the engine (once per process). Throws NoEngineError with what to do. */
export async function connectEngine(options: { start?: boolean } = {}): Promise<Engine> {
  if (connecting === undefined) {
    connecting = (async () => {
      if (options.start && !(await engineAnswers())) await startLocalEngine();
      return connectOnce();
    })();
    connecting.catch(() => {
      connecting = undefined;
    });
  }
  return connecting;
}

/** A quick probe (no testcontainers state): does an engine answer `docker version`? */
export async function engineAnswers(timeoutMs = 5_000): Promise<boolean> {
  try {
    await execFileAsync("docker", ["version", "--format", "{{.Server.Version}}"], { timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

/** Runs docker_up.sh: installs and starts a local engine when none answers (root only). */
export async function startLocalEngine(): Promise<void> {
  try {
    await execFileAsync("bash", [dockerUpScript], { timeout: 600_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new NoEngineError(`docker_up.sh failed: ${stderr.trim() || (error as Error).message}`);
  }
}
