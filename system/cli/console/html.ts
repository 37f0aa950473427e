// Server-side HTML of mqconsole: one layout with the page tabs, tables, forms whose write
// operations ask confirm() first, and the error box. Invariants: every value that came from a
// broker, a client or a URL passes through esc(); an error is shown as RocketMQ's response code,
// its name and the remark (or the client error's message), never with a stack trace.
import { MQBrokerError, MQClientError } from "../../client/client_errors.ts";
import { responseCodeName } from "../../remoting/response_code.ts";

const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" };

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (character) => entities[character] ?? character);
}

/** Already-escaped HTML, so helpers can tell it from text. */
export interface Html {
  readonly html: string;
}

export function raw(html: string): Html {
  return { html };
}

export type Cell = string | number | Html | undefined;

function cell(value: Cell): string {
  if (value === undefined) return "";
  return typeof value === "object" ? value.html : esc(value);
}

export const tabs = [
  ["/", "Cluster"], ["/topics", "Topics"], ["/consumers", "Consumers"], ["/producers", "Producers"], ["/messages", "Messages"], ["/lab", "Lab"],
] as const;

const style = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center}
header b{font-size:17px;margin-right:12px}header a{color:#cfe0ff;text-decoration:none;padding:4px 8px;border-radius:4px}
header a.active{background:#fff;color:#1f3a5f}main{padding:16px 20px}
table{border-collapse:collapse;background:#fff;margin:8px 0 16px;min-width:40%}
th,td{border:1px solid #d5dae1;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
form.inline{display:inline-flex;gap:6px;align-items:center;margin:6px 0;flex-wrap:wrap}
fieldset{background:#fff;border:1px solid #d5dae1;margin:10px 0;padding:8px 12px}
.error{background:#fdecea;border:1px solid #e0a39c;color:#8a1c12;padding:8px 12px;margin:8px 0}
.ok{background:#e8f5e9;border:1px solid #9ccc9f;padding:8px 12px;margin:8px 0}
.muted{color:#6a7380}pre{background:#fff;border:1px solid #d5dae1;padding:8px;overflow:auto;max-height:420px}
.pass{color:#1b7a2c;font-weight:bold}.fail{color:#b3261e;font-weight:bold}`;

export function layout(title: string, active: string, body: string, options: { refreshS?: number } = {}): string {
  const nav = tabs.map(([href, name]) => `<a href="${href}"${href === active ? " class=\"active\"" : ""}>${name}</a>`).join("");
  const refresh = options.refreshS === undefined ? "" : `<meta http-equiv="refresh" content="${options.refreshS}">`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${refresh}<title>${esc(title)} · mqconsole</title>` +
    `<style>${style}</style></head><body><header><b>mqconsole</b>${nav}</header><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

export function table(head: readonly string[], rows: readonly (readonly Cell[])[], options: { id?: string; numeric?: readonly number[] } = {}): string {
  const numeric = new Set(options.numeric ?? []);
  const headHtml = head.map((name) => `<th>${esc(name)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((value, index) => `<td${numeric.has(index) ? " class=\"num\"" : ""}>${cell(value)}</td>`).join("")}</tr>`).join("");
  const id = options.id === undefined ? "" : ` id="${esc(options.id)}"`;
  return `<table${id}><thead><tr>${headHtml}</tr></thead><tbody>${body === "" ? `<tr><td colspan="${head.length}" class="muted">none</td></tr>` : body}</tbody></table>`;
}

/** A POST form; `confirmText` makes the browser ask before a write goes out. */
export function form(action: string, fields: string, submit: string, confirmText?: string): string {
  const onsubmit = confirmText === undefined ? "" : ` onsubmit="return confirm('${esc(confirmText.replace(/'/g, ""))}')"`;
  return `<form class="inline" method="post" action="${esc(action)}"${onsubmit}>${fields}<button type="submit">${esc(submit)}</button></form>`;
}

export function input(name: string, label: string, value: string | number = "", attrs = ""): string {
  return `<label>${esc(label)} <input name="${esc(name)}" value="${esc(value)}" ${attrs}></label>`;
}

export function link(href: string, text: string): Html {
  return raw(`<a href="${esc(href)}">${esc(text)}</a>`);
}

/** What a person should read when a call failed: code + remark for broker answers. */
export function errorMessage(error: unknown): string {
  if (error instanceof MQBrokerError) return `${responseCodeName(error.responseCode)} (code ${error.responseCode})${error.addr === undefined ? "" : ` from ${error.addr}`}: ${error.remark || "(no remark)"}`;
  if (error instanceof MQClientError) return error.responseCode >= 0 ? `code ${error.responseCode}: ${error.message}` : error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export function errorBox(error: unknown): string {
  return `<div class="error" role="alert">${esc(errorMessage(error))}</div>`;
}

export function okBox(text: string): string {
  return `<div class="ok" role="status">${esc(text)}</div>`;
}

export function formatTime(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "–";
}
