// mqadmin: RocketMQ's admin tool for mqlab clusters.
//   mqadmin <command> [-n "a:9876;b:9876"] [--json] ...
// Commands: updateTopic, deleteTopic, topicList, topicRoute, topicStatus, clusterList,
// brokerStatus, consumerProgress, consumerConnection, queryMsgByKey, queryMsgById, sendMessage,
// consumeMessage; resetOffsetByTime, queryMsgByOffset, updateSubGroup, deleteSubGroup and
// queryMsgById -g/-d (consume directly) come from mqadmin_ops_commands.ts. The NameServer list
// comes from -n, else NAMESRV_ADDR. Output is a human table by default and JSON with --json. Any
// failure — a misuse or a failed admin call — prints one clear line to stderr and exits 2 (e.g.
// "connect to 127.0.0.1:9999 failed: ECONNREFUSED"); system/cli/cli_boundary.ts holds the rule
// for every CLI.
import { Command } from "commander";
import { exitCodes, prepareProgram, runProgram } from "./cli_boundary.ts";
import { AdminClient } from "../client/admin/admin_client.ts";
import { ConfigError } from "../config/properties.ts";
import { resolveNamesrvAddr } from "../config/namesrv_addr.ts";
import { createRealEnv } from "../env/real/index.ts";
import type { LogLevel } from "../env/real/index.ts";
import * as commands from "./mqadmin_commands.ts";
import { readToolsYml } from "./tools_credentials.ts";
import type { CommonOptions, Output } from "./mqadmin_commands.ts";
import { queryMsgByIdOrConsume, registerOpsCommands } from "./mqadmin_ops_commands.ts";
import { errorText } from "../stdx/error_text.ts";

interface GlobalOptions {
  namesrvAddr?: string;
  json?: boolean;
  accessKey?: string;
  secretKey?: string;
}

type Runner = (admin: AdminClient, env: ReturnType<typeof createRealEnv>, common: CommonOptions) => Promise<Output>;

function fail(command: string, message: string): never {
  process.stderr.write(`mqadmin ${command}: ${message}\n`);
  process.exit(exitCodes.usageOrBroken);
}

async function run(name: string, options: GlobalOptions, runner: Runner): Promise<void> {
  let namesrvAddrs: string[];
  try {
    namesrvAddrs = resolveNamesrvAddr({ option: options.namesrvAddr, environment: process.env["NAMESRV_ADDR"] });
  } catch (error) {
    if (error instanceof ConfigError) fail(name, error.message);
    throw error;
  }
  if (namesrvAddrs.length === 0) fail(name, "no NameServer address: pass -n 'host:9876;host2:9876' or set NAMESRV_ADDR");
  const logLevel = (process.env["MQLAB_LOG_LEVEL"] as LogLevel | undefined) ?? "silent";
  const credentials = resolveToolCredentials(name, options);
  const env = createRealEnv({ nodeName: "mqadmin", logLevel });
  const admin = new AdminClient(env, { namesrvAddr: namesrvAddrs, ...credentials });
  let exitCode = 0;
  try {
    admin.start();
    const output = await runner(admin, env, { namesrvAddrs, ...(credentials === undefined ? {} : { credentials }) });
    process.stdout.write(options.json === true ? `${JSON.stringify(output.json, null, 2)}\n` : `${output.text}\n`);
  } catch (error) {
    process.stderr.write(`mqadmin ${name}: ${errorText(error)}\n`);
    exitCode = exitCodes.usageOrBroken;
  } finally {
    admin.shutdown();
    env.close();
  }
  process.exit(exitCode);
}

/** --accessKey/--secretKey (both or neither: misuse exits 2), else RocketMQ's conf/tools.yml. */
function resolveToolCredentials(name: string, options: GlobalOptions): { accessKey: string; secretKey: string } | undefined {
  if ((options.accessKey === undefined) !== (options.secretKey === undefined)) {
    process.stderr.write(`mqadmin ${name}: --accessKey and --secretKey go together\n`);
    process.exit(2);
  }
  if (options.accessKey !== undefined && options.secretKey !== undefined) return { accessKey: options.accessKey, secretKey: options.secretKey };
  const home = process.env["ROCKETMQ_HOME"];
  return home === undefined ? undefined : readToolsYml(`${home}/conf/tools.yml`);
}

function command(program: Command, name: string, description: string): Command {
  return program.command(name).description(description)
    .option("-n, --namesrvAddr <addr>", "NameServer address list, e.g. '192.168.0.1:9876;192.168.0.2:9876'")
    .option("--json", "print JSON instead of a table")
    .option("--accessKey <key>", "ACL access key (with --secretKey); default: $ROCKETMQ_HOME/conf/tools.yml")
    .option("--secretKey <key>", "ACL secret key (with --accessKey)")
    .allowExcessArguments(false);
}

function build(): Command {
  const program = prepareProgram(new Command("mqadmin")).description("mqlab admin tool (RocketMQ 4.x mqadmin compatible subset)");
  command(program, "updateTopic", "create or update a topic on every master of a cluster or on one broker")
    .requiredOption("-t, --topic <topic>", "topic name")
    .option("-c, --clusterName <cluster>", "create on every master of this cluster")
    .option("-b, --brokerAddr <addr>", "create on this broker only")
    .option("-r, --readQueueNums <n>", "read queue count (default 8)")
    .option("-w, --writeQueueNums <n>", "write queue count (default 8)")
    .option("-p, --perm <perm>", "permission: 2 W, 4 R, 6 RW (default 6)")
    .option("-o, --order <bool>", "ordered topic (true/false)")
    .action((o: GlobalOptions & Parameters<typeof commands.updateTopic>[1]) => run("updateTopic", o, (admin) => commands.updateTopic(admin, o)));
  command(program, "deleteTopic", "delete a topic from every master of a cluster and from the NameServers")
    .requiredOption("-t, --topic <topic>", "topic name")
    .requiredOption("-c, --clusterName <cluster>", "cluster name")
    .action((o: GlobalOptions & { topic: string; clusterName: string }) => run("deleteTopic", o, (admin) => commands.deleteTopic(admin, o)));
  command(program, "topicList", "list all topics known to the NameServer")
    .action((o: GlobalOptions) => run("topicList", o, (admin) => commands.topicList(admin)));
  command(program, "topicRoute", "show a topic's route")
    .requiredOption("-t, --topic <topic>", "topic name")
    .action((o: GlobalOptions & { topic: string }) => run("topicRoute", o, (admin) => commands.topicRoute(admin, o)));
  command(program, "topicStatus", "show min/max offsets of every queue of a topic")
    .requiredOption("-t, --topic <topic>", "topic name")
    .action((o: GlobalOptions & { topic: string }) => run("topicStatus", o, (admin) => commands.topicStatus(admin, o)));
  command(program, "clusterList", "list clusters and brokers with runtime info")
    .action((o: GlobalOptions) => run("clusterList", o, (admin) => commands.clusterList(admin)));
  command(program, "brokerStatus", "show a broker's runtime info")
    .requiredOption("-b, --brokerAddr <addr>", "broker address ip:port")
    .action((o: GlobalOptions & { brokerAddr: string }) => run("brokerStatus", o, (admin) => commands.brokerStatus(admin, o)));
  command(program, "consumerProgress", "show a consumer group's offsets and lag")
    .requiredOption("-g, --group <group>", "consumer group")
    .option("-t, --topic <topic>", "only this topic")
    .action((o: GlobalOptions & { group: string; topic?: string }) => run("consumerProgress", o, (admin) => commands.consumerProgress(admin, o)));
  command(program, "consumerConnection", "show a consumer group's connections and subscriptions")
    .requiredOption("-g, --group <group>", "consumer group")
    .action((o: GlobalOptions & { group: string }) => run("consumerConnection", o, (admin) => commands.consumerConnection(admin, o)));
  command(program, "queryMsgByKey", "find messages by key")
    .requiredOption("-t, --topic <topic>", "topic name")
    .requiredOption("-k, --msgKey <key>", "message key")
    .action((o: GlobalOptions & { topic: string; msgKey: string }) => run("queryMsgByKey", o, (admin) => commands.queryMsgByKey(admin, o)));
  command(program, "queryMsgById", "show a message by its offset msgId (with -g and -d: consume it directly on that client)")
    .requiredOption("-i, --msgId <id>", "offset msgId (32 hex chars)")
    .option("-g, --group <group>", "consumer group (with -d)")
    .option("-d, --clientId <clientId>", "consumer client id (with -g)")
    .action((o: GlobalOptions & { msgId: string; group?: string; clientId?: string }) => run("queryMsgById", o, (admin) => queryMsgByIdOrConsume(admin, o)));
  command(program, "sendMessage", "send one message")
    .requiredOption("-t, --topic <topic>", "topic name")
    .requiredOption("-p, --body <body>", "message body (UTF-8)")
    .option("-c, --tags <tags>", "message tag")
    .option("-k, --keys <keys>", "message keys")
    .option("-b, --brokerName <name>", "send to this broker's queue (with -i)")
    .option("-i, --queueId <id>", "queue id (with -b)")
    .action((o: GlobalOptions & Parameters<typeof commands.sendMessage>[2]) =>
      run("sendMessage", o, (_admin, env, common) => commands.sendMessage(env, common, o)));
  command(program, "consumeMessage", "pull and print messages of a topic")
    .requiredOption("-t, --topic <topic>", "topic name")
    .option("-g, --group <group>", "consumer group used for the pulls (default TOOLS_CONSUMER)")
    .option("-b, --brokerName <name>", "only this broker's queues")
    .option("-q, --queueId <id>", "only this queue id")
    .option("-o, --offset <offset>", "start offset (default: each queue's min offset)")
    .option("-c, --count <n>", "how many messages at most (default 128)")
    .action((o: GlobalOptions & Parameters<typeof commands.consumeMessage>[2]) =>
      run("consumeMessage", o, (_admin, env, common) => commands.consumeMessage(env, common, o)));
  registerOpsCommands(program, command, run);
  return program;
}

await runProgram(build());
