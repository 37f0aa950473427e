// Builds the node image every container of a run starts from, without any registry: FROM
// scratch, one COPY of a root filesystem staged here — this machine's Node 24 binary (debug
// symbols stripped when `strip` exists) and the shared libraries `ldd` names, plus the project
// (package.json, tsconfig.json, system/, chaos/, scenarios/ without tests) and the node_modules
// closure of the runtime dependencies and tsx, read off package-lock.json.
// Invariant: the tag is a hash of every input's path, mode and bytes, so an unchanged tree
// skips the build and any change builds a new image. One layer, because vfs copies each layer.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { imageAppDir, imageNodePath } from "../image_layout.ts";
import type { Engine } from "./engine.ts";

const execFileAsync = promisify(execFile);

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export { imageAppDir, imageNodePath };
export const imageLabel = "mqlab.image";

/** One file of the image: where it comes from and where it goes. */
export interface ImageFile {
  source: string;
  target: string;
  mode: number;
}

const projectEntries = ["package.json", "tsconfig.json", "system", "chaos", "scenarios", "reports"];
/** Packages the containers need beyond package.json's dependencies. */
const extraPackages = ["tsx"];

function isTest(path: string): boolean {
  return /\.test\.ts$/.test(path) || path.includes(".test_support.");
}

function walk(path: string, visit: (file: string) => void): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) {
    if (existsSync(path) && statSync(path).isFile()) visit(path);
    return;
  }
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path).sort()) walk(join(path, entry), visit);
  } else if (stat.isFile()) {
    visit(path);
  }
}

interface LockPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** node_modules directories (relative to the root) that the runtime dependencies need. */
export function runtimePackageDirs(root: string): string[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockPackage> };
  const found = new Set<string>();
  // Node's lookup: <from>/node_modules/<name>, then each parent's node_modules.
  const resolve = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      if (lock.packages[candidate] && existsSync(join(root, candidate))) return candidate;
      if (base === "") return undefined;
      const cut = base.lastIndexOf("/node_modules/");
      base = cut < 0 ? "" : base.slice(0, cut);
    }
  };
  const visit = (dir: string): void => {
    if (found.has(dir)) return;
    found.add(dir);
    const pkg = lock.packages[dir] ?? {};
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      const resolved = resolve(dir, name);
      if (resolved === undefined) throw new Error(`package-lock.json: ${dir} needs ${name}, which is not installed (run npm ci)`);
      visit(resolved);
    }
    // Optional ones (esbuild's platform binary) only when this platform installed them.
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      const resolved = resolve(dir, name);
      if (resolved !== undefined) visit(resolved);
    }
  };
  for (const name of [...Object.keys(manifest.dependencies ?? {}), ...extraPackages]) {
    const resolved = resolve("", name);
    if (resolved === undefined) throw new Error(`${name} is not installed in ${root}/node_modules (run npm ci)`);
    visit(resolved);
  }
  return [...found].sort();
}

/** The shared libraries a dynamically linked binary loads, as `ldd` prints them. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execFileAsync("ldd", [binary]);
  const libraries: string[] = [];
  for (const line of stdout.split("\n")) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) libraries.push(match[1]);
  }
  if (libraries.length === 0) throw new Error(`ldd ${binary} named no libraries:\n${stdout}`);
  return libraries;
}

/** Every file the image holds, in a stable order. */
export async function imageFiles(root = projectRoot, nodeBinary = realpathSync(process.execPath)): Promise<ImageFile[]> {
  const files: ImageFile[] = [{ source: nodeBinary, target: imageNodePath, mode: 0o755 }];
  for (const library of await sharedLibraries(nodeBinary)) {
    files.push({ source: realpathSync(library), target: library, mode: 0o755 });
  }
  const addTree = (relativePath: string, skip: (path: string) => boolean): void => {
    walk(join(root, relativePath), (file) => {
      if (skip(file)) return;
      files.push({ source: file, target: join(imageAppDir, relative(root, file)), mode: statSync(file).mode & 0o777 });
    });
  };
  // reports/ is code the CLI renders with; reports/out/ is run output, never part of the image.
  for (const entry of projectEntries) addTree(entry, (file) => isTest(file) || file.startsWith(join(root, "reports", "out") + "/"));
  // Packages' own tests, docs and type declarations are never loaded at run time.
  // A package's own top-level test/ and docs/ folders only (scoped names included): `yaml` keeps
  // code in dist/doc/, which the broker needs for plain_acl.yml.
  const unused = (file: string): boolean => file.endsWith(".md") || file.endsWith(".d.ts") || isTest(file) || /\/node_modules\/(@[^/]+\/)?[^/]+\/(test|tests|docs?)\//.test(file);
  // A package's nested node_modules are packages of their own: added when needed, once.
  for (const dir of runtimePackageDirs(root)) addTree(dir, (file) => unused(file) || relative(join(root, dir), file).includes("node_modules/"));
  return files;
}

export interface ImageInputs {
  files: ImageFile[];
  hash: string;
}

/** The image's files and their hash, read once. */
export async function imageInputs(): Promise<ImageInputs> {
  const files = await imageFiles();
  return { files, hash: hashImageFiles(files) };
}

/** Content hash of the inputs: the image tag. */
export function hashImageFiles(files: ImageFile[]): string {
  const hash = createHash("sha256");
  hash.update("mqlab-node-image v1\n");
  for (const file of files) {
    hash.update(`${file.target}\0${file.mode}\0`);
    hash.update(readFileSync(file.source));
  }
  return hash.digest("hex").slice(0, 16);
}

async function stageRootfs(files: ImageFile[], rootfs: string): Promise<void> {
  for (const file of files) {
    const target = join(rootfs, file.target);
    mkdirSync(dirname(target), { recursive: true });
    if (file.target === imageNodePath) {
      try {
        await execFileAsync("strip", ["-o", target, file.source]);
      } catch {
        copyFileSync(file.source, target);
      }
    } else {
      copyFileSync(file.source, target);
    }
    chmodSync(target, file.mode);
  }
  // Node and tsx write temporary files (tsx's transform cache) under /tmp.
  mkdirSync(join(rootfs, "tmp"), { recursive: true });
  chmodSync(join(rootfs, "tmp"), 0o1777);
}

function dockerfile(hash: string): string {
  return [
    "FROM scratch",
    "COPY rootfs/ /",
    "ENV PATH=/usr/local/bin HOME=/tmp NODE_ENV=production",
    `WORKDIR ${imageAppDir}`,
    `LABEL ${imageLabel}=1 ${imageLabel}.hash=${hash}`,
    `ENTRYPOINT ["${imageNodePath}"]`,
    "",
  ].join("\n");
}

export interface BuiltImage {
  tag: string;
  /** False when an image with this content hash was already there. */
  built: boolean;
  buildMs: number;
  sizeBytes: number;
}

const building = new Map<string, Promise<BuiltImage>>();

/**
 * Builds the node image unless the engine has it; returns its tag ("mqlab-node:<hash>").
 * Concurrent calls for the same inputs share one build.
 */
export async function ensureNodeImage(engine: Engine, given?: ImageInputs): Promise<BuiltImage> {
  const { files: inputs, hash } = given ?? (await imageInputs());
  const tag = `mqlab-node:${hash}`;
  let pending = building.get(tag);
  if (pending === undefined) {
    pending = buildIfMissing(engine, inputs, hash, tag);
    building.set(tag, pending);
    const forget = (): void => void building.delete(tag);
    pending.then(forget, forget);
  }
  return pending;
}

async function imageSize(engine: Engine, tag: string): Promise<number | undefined> {
  try {
    return (await engine.docker.getImage(tag).inspect()).Size;
  } catch {
    return undefined;
  }
}

async function buildIfMissing(engine: Engine, files: ImageFile[], hash: string, tag: string): Promise<BuiltImage> {
  const existing = await imageSize(engine, tag);
  if (existing !== undefined) return { tag, built: false, buildMs: 0, sizeBytes: existing };
  const startMs = performance.now();
  const context = mkdtempSync(join(tmpdir(), "mqlab-image-"));
  try {
    await stageRootfs(files, join(context, "rootfs"));
    writeFileSync(join(context, "Dockerfile"), dockerfile(hash));
    await engine.client.image.build(context, { t: tag, labels: { [imageLabel]: "1" } });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  const sizeBytes = await imageSize(engine, tag);
  if (sizeBytes === undefined) {
    throw new Error(`building ${tag} failed (the engine has no such image after the build); run with DEBUG=testcontainers:build to see its output`);
  }
  await removeOlderImages(engine, tag);
  return { tag, built: true, buildMs: Math.round(performance.now() - startMs), sizeBytes };
}

/** Images younger than this stay: another run may have just built one it is about to start. */
const keepRecentImagesSeconds = 30 * 60;

/** Old mqlab-node images would fill a vfs disk fast; old ones no container uses go. */
async function removeOlderImages(engine: Engine, keepTag: string): Promise<void> {
  const images = await engine.docker.listImages({ filters: { label: [`${imageLabel}=1`] } });
  const cutoffSeconds = Date.now() / 1000 - keepRecentImagesSeconds;
  for (const image of images) {
    if (image.RepoTags?.includes(keepTag) || image.Created > cutoffSeconds) continue;
    try {
      await engine.docker.getImage(image.Id).remove({ force: false });
    } catch {
      // In use by a container of another run: it goes next time.
    }
  }
}
