#!/usr/bin/env node
// Package bin shim: runs the TypeScript entry point through tsx's loader, in a Node started with
// the server flags (MQLAB_NODE_OPTIONS, default in system/cli/server_node_args.ts): when this Node
// lacks them, reexecWithServerNodeArgs replaces the process with one that has them (same pid).
import { register } from "tsx/esm/api";

register();
const { reexecWithServerNodeArgs } = await import("../server_reexec.ts");
reexecWithServerNodeArgs("mqnamesrv");
await import("../mqnamesrv.ts");
