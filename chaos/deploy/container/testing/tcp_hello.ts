// Host-side TCP reads of the tests' stand-in servers (they answer one line and close).
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export function hello(ip: string, port: number, timeoutMs = 1_500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, ip);
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timeout ${ip}:${port}`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(text.trim());
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * hello() that waits out the host's neighbour cache: probes while a container was down leave
 * a failed entry for its address, and connects fail with EHOSTUNREACH for a moment after it is
 * back — as for a real machine that rebooted.
 */
export async function helloAfterRestart(ip: string, port: number, attempts = 20): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await hello(ip, port);
    } catch (error) {
      if (attempt >= attempts || (error as { code?: string }).code !== "EHOSTUNREACH") throw error;
      await sleep(500);
    }
  }
}
