// A TCP connect probe run inside a node's container (docker exec of the image's node), so a
// test sees the network exactly as that node does, rules of its namespace included.
import type { Engine } from "../engine.ts";

export interface ExecProbeResult {
  ok: boolean;
  /** "OK", or the error code: ECONNREFUSED, TIMEOUT, ... */
  code: string;
}

export async function execProbe(engine: Engine, containerId: string, host: string, port: number, timeoutMs = 800): Promise<ExecProbeResult> {
  const script =
    `const s=require("net").connect(${port},${JSON.stringify(host)});` +
    `const t=setTimeout(()=>{console.log("TIMEOUT");process.exit(0)},${timeoutMs});` +
    `s.on("connect",()=>{console.log("OK");process.exit(0)});s.on("error",e=>{clearTimeout(t);console.log(e.code);process.exit(0)});`;
  const exec = await engine.docker.getContainer(containerId).exec({ Cmd: ["/usr/local/bin/node", "-e", script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  // The stream is multiplexed (8-byte frame headers); the code is the printable word in it.
  const text = Buffer.concat(chunks).toString("latin1");
  const code = /(OK|TIMEOUT|E[A-Z]+)/.exec(text)?.[1] ?? `?${text.trim()}`;
  return { ok: code === "OK", code };
}
