// The one error boundary of every command-line program (mqlab, mqadmin, mqnamesrv, mqbroker).
// Exit codes: 0 success; 1 only when a check judged the system and it failed (mqlab's verdicts);
// 2 for everything else — a misused command (unknown command or option, a bad value, a missing
// or unreadable file) and a run that broke (a taken port, an unreachable NameServer, an
// exception). Invariant: a failure is exactly one line on stderr, "<program>[ <command>]: <why>",
// plus the usage for misuse; never a stack trace, never commander's multi-line help.
import { Command, CommanderError } from "commander";

export const exitCodes = { ok: 0, checkFailed: 1, usageOrBroken: 2 } as const;

/** A misuse found after parsing (an unknown scenario, a file that is not there): exit 2 with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Makes commander throw instead of printing help and exiting 1. Call it right after
 * `new Command()`, before adding subcommands: they inherit these settings.
 */
export function prepareProgram(program: Command): Command {
  return program
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
}

/** Parses argv and runs the chosen action inside the boundary; never returns on failure. */
export async function runProgram(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  const name = program.name();
  const onEscape = (error: unknown): void => brokenExit(name, error);
  process.on("unhandledRejection", onEscape);
  process.on("uncaughtException", onEscape);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    const command = commandOf(program, argv);
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0); // --help, --version
      usageExit(command, error.code === "commander.help" ? "missing command" : error.message);
    }
    if (error instanceof UsageError) usageExit(command, error.message);
    brokenExit(commandPath(command), error);
  }
}

/** Prints "<command>: <message> (usage: ...)" and exits 2. */
export function usageExit(command: Command, message: string): never {
  const usage = `${commandPath(command)} ${command.usage()}`;
  process.stderr.write(`${commandPath(command)}: ${oneLine(message.replace(/^error: /, ""))} (usage: ${usage}; --help for more)\n`);
  process.exit(exitCodes.usageOrBroken);
}

/** A broken run: "<program>: <message>" and exit 2; the message, never the stack. */
export function brokenExit(program: string, error: unknown): never {
  process.stderr.write(`${program}: ${oneLine(messageOf(error))}\n`);
  process.exit(exitCodes.usageOrBroken);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message === "" ? error.name : error.message;
  return String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ").trim();
}

/** The deepest subcommand named in argv (for the usage line of a misuse). */
function commandOf(program: Command, argv: readonly string[]): Command {
  let command = program;
  for (const token of argv.slice(2)) {
    if (token.startsWith("-")) continue;
    const sub = command.commands.find((candidate) => candidate.name() === token || candidate.aliases().includes(token));
    if (sub === undefined) break;
    command = sub;
  }
  return command;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) names.unshift(current.name());
  return names.join(" ");
}
