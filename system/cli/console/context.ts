// What every mqconsole page handler gets: the started AdminClient, the real Env (for the short-
// lived producers and pull consumers a page needs), the NameServer list, and where the lab's runs
// live. Also the small parsing helpers the pages share (query strings and form bodies are
// untrusted text: every number is checked before use).
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AdminClient } from "../../client/admin/admin_client.ts";
import type { Env } from "../../env/env.ts";
import { errorBox, layout } from "./html.ts";

export interface ConsoleContext {
  readonly admin: AdminClient;
  readonly env: Env;
  readonly namesrvAddrs: readonly string[];
  /** reports/out of the repository (the Lab page lists it; run reports are served from it). */
  readonly reportsDir: string;
  /** The repository root (the Lab page starts `mqlab run` there). */
  readonly repoRoot: string;
}

export type Fields = Record<string, string | undefined>;

export function fieldsOf(request: FastifyRequest): Fields {
  const source = (request.method === "POST" ? request.body : request.query) as Record<string, unknown> | undefined;
  const fields: Fields = {};
  for (const [key, value] of Object.entries(source ?? {})) {
    if (typeof value === "string") fields[key] = value.trim();
  }
  return fields;
}

export function required(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === "") throw new UserError(`${name} is required`);
  return value;
}

export function integerField(fields: Fields, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const text = fields[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UserError(`${name}: ${JSON.stringify(text)} is not an integer in ${min}..${max}`);
  return value;
}

/** A time field: epoch ms, or an ISO / datetime-local text (taken as UTC without a zone). */
export function timeField(fields: Fields, name: string, fallbackMs: number): number {
  const text = fields[name];
  if (text === undefined || text === "") return fallbackMs;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (!Number.isFinite(ms)) throw new UserError(`${name}: ${JSON.stringify(text)} is not a time (epoch ms or 2024-01-02T03:04:05Z)`);
  return ms;
}

/** A mistake in what the user typed (shown as-is, no response code). */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Invalid input";
  }
}

/** Runs a page body; any failure becomes the page with an error box (status 200 for the browser, the box says what failed). */
export async function page(reply: FastifyReply, title: string, active: string, body: () => Promise<string>, options: { refreshS?: number } = {}): Promise<void> {
  let html: string;
  try {
    html = await body();
  } catch (error) {
    html = errorBox(error);
  }
  await reply.type("text/html; charset=utf-8").send(layout(title, active, html, options));
}
