// `just image`: builds `mqlab:<version>` locally with no registry. The container deployer's
// builder (chaos/deploy/container/image.ts) makes the node image FROM scratch (this machine's
// Node 24, its shared libraries, the project and its runtime node_modules); on top of it this
// adds the commands — /usr/local/bin/mqnamesrv, mqbroker, mqadmin, mqlab (and mqconsole when
// the project has it) as Node scripts that load the package bins — and clears the entrypoint,
// so `docker run mqlab:<version> mqbroker -c ...` runs a command by name.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectEngine } from "../deploy/container/engine.ts";
import { ensureNodeImage, imageAppDir, imageNodePath, projectRoot } from "../deploy/container/image.ts";
import { imageVersion } from "./compose.ts";

/** Command name → the package bin it runs (package.json "bin"). */
export const imageCommands: Record<string, string> = {
  mqnamesrv: "system/cli/bin/mqnamesrv.mjs",
  mqbroker: "system/cli/bin/mqbroker.mjs",
  mqadmin: "system/cli/bin/mqadmin.mjs",
  mqlab: "chaos/cli/bin/mqlab.mjs",
  mqconsole: "system/cli/bin/mqconsole.mjs",
};

export async function buildUserImage(): Promise<{ tag: string; baseTag: string; commands: string[] }> {
  const engine = await connectEngine({ start: false });
  const base = await ensureNodeImage(engine);
  const tag = `mqlab:${imageVersion()}`;
  const commands = Object.keys(imageCommands).filter((name) => existsSync(join(projectRoot, imageCommands[name]!)));
  const context = mkdtempSync(join(tmpdir(), "mqlab-user-image-"));
  try {
    mkdirSync(join(context, "bin"));
    for (const name of commands) {
      // A file without extension is CommonJS to Node: import() loads the ESM bin from there.
      writeFileSync(join(context, "bin", name), `#!${imageNodePath}\nimport(${JSON.stringify(`${imageAppDir}/${imageCommands[name]}`)});\n`, { mode: 0o755 });
    }
    writeFileSync(join(context, "Dockerfile"), [
      `FROM ${base.tag}`,
      "COPY bin/ /usr/local/bin/",
      "ENTRYPOINT []",
      'CMD ["mqnamesrv"]',
      `LABEL org.opencontainers.image.title=mqlab org.opencontainers.image.version=${imageVersion()}`,
      "",
    ].join("\n"));
    await engine.client.image.build(context, { t: tag, labels: { "mqlab.user-image": "1" } });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return { tag, baseTag: base.tag, commands };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildUserImage().then(
    (built) => process.stdout.write(`built ${built.tag} (on ${built.baseTag}); commands: ${built.commands.join(", ")}\n`),
    (error: unknown) => {
      process.stderr.write(`image: ${(error as Error).message.split("\n")[0]}\n`);
      process.exit(2);
    },
  );
}
