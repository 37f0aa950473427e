#!/usr/bin/env node
// Package bin shim: runs the TypeScript entry point through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../console/main.ts");
