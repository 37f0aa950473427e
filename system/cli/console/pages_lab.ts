// Lab page: the runs and suites under reports/out (verdict, scenario, deployer, seed, counts), each
// opening its report.html (served read-only from reports/out), and simulator runs started from
// the page: a job page refreshes every 2 s with the run's output until it exits.
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "./context.ts";
import { fieldsOf, integerField, page, required, UserError } from "./context.ts";
import { esc, form, input, link, okBox, raw, table } from "./html.ts";
import { LabJobs, listRuns, reportFile } from "./lab_runs.ts";

function verdictCell(verdict: string): ReturnType<typeof raw> {
  return raw(`<span class="${verdict === "pass" ? "pass" : "fail"}">${esc(verdict)}</span>`);
}

export function registerLabPages(app: FastifyInstance, context: ConsoleContext): void {
  const jobs = new LabJobs(context.repoRoot, context.reportsDir);
  app.addHook("onClose", async () => jobs.stopAll());

  app.get("/lab", (_request, reply) => page(reply, "Lab", "/lab", () => {
    const runs = listRuns(context.reportsDir);
    const suites = new Map<string, number>();
    for (const run of runs) if (run.suite !== undefined) suites.set(run.suite, (suites.get(run.suite) ?? 0) + 1);
    const jobRows = jobs.all().map((job) => [link(`/lab/job?id=${job.id}`, `#${job.id}`), job.scenario, job.seed, job.exitCode === undefined ? "running" : `exit ${job.exitCode}`]);
    return Promise.resolve(
      `<fieldset><legend>Run a scenario in the simulator</legend>${form("/lab/run", input("scenario", "Scenario", "1m/no-fault") + input("seed", "Seed", 1, "size=4"),
        "Start run", "Start this simulator run?")}</fieldset>` +
      (jobRows.length === 0 ? "" : `<h2>Started here</h2>${table(["Job", "Scenario", "Seed", "State"], jobRows, { id: "jobs" })}`) +
      `<h2>Suites</h2>${table(["Suite", "Runs"], [...suites].map(([suite, count]) => [suite, count]), { id: "suites" })}` +
      `<h2>Runs (${runs.length})</h2>` + table(["Suite", "Scenario", "Deployer", "Seed", "Verdict", "Sent", "Acked", "Consumed", "Lost", "Duplicates", "Started", "Report"],
        runs.map((run) => [run.suite, run.scenario, run.deployer, run.seed, verdictCell(run.verdict), run.counts["sent"], run.counts["acked"], run.counts["consumed"],
          run.counts["lost"], run.counts["duplicated"], run.startedAt, run.hasReport ? link(`/lab/file/${run.dir.split("/").map(encodeURIComponent).join("/")}/report.html`, "report") : "–"]),
        { id: "runs", numeric: [3, 5, 6, 7, 8, 9] }));
  }));

  app.post("/lab/run", (request, reply) => page(reply, "Lab run", "/lab", () => {
    const fields = fieldsOf(request);
    const scenario = required(fields, "scenario");
    if (!/^[A-Za-z0-9_./-]+$/.test(scenario)) throw new UserError(`scenario: ${JSON.stringify(scenario)} is not a scenario name`);
    const job = jobs.start(scenario, integerField(fields, "seed", 1, 0, 2 ** 31 - 1));
    return Promise.resolve(okBox(`started job #${job.id}`) + `<p>${link(`/lab/job?id=${job.id}`, "watch its progress").html}</p>`);
  }));

  app.get("/lab/job", async (request, reply) => {
    const id = Number(fieldsOf(request)["id"]);
    const job = jobs.get(id);
    const running = job !== undefined && job.exitCode === undefined;
    await page(reply, `Lab job #${id}`, "/lab", () => {
      if (job === undefined) throw new UserError(`no job #${id}`);
      const state = running ? "running (this page refreshes every 2 s)" : `finished with exit code ${job.exitCode}`;
      const rel = job.outDir.slice(context.reportsDir.length + 1);
      const report = reportFile(context.reportsDir, `${rel}/report.html`) === undefined ? "" : `<p>${link(`/lab/file/${rel}/report.html`, "open report.html").html}</p>`;
      return Promise.resolve(`<p id="job-state">${esc(job.scenario)} seed ${job.seed}: ${esc(state)}</p>${report}<pre id="job-output">${esc(job.output)}</pre>`);
    }, running ? { refreshS: 2 } : {});
  });

  app.get("/lab/file/*", async (request, reply) => {
    const rel = decodeURIComponent((request.params as { "*": string })["*"]);
    const path = reportFile(context.reportsDir, rel);
    if (path === undefined) return reply.code(404).type("text/plain").send(`not found: ${rel}\n`);
    const type = path.endsWith(".html") ? "text/html; charset=utf-8" : path.endsWith(".png") ? "image/png" : path.endsWith(".json") ? "application/json" : "text/plain; charset=utf-8";
    return reply.type(type).send(readFileSync(path));
  });
}
