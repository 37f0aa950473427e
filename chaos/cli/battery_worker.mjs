// Worker-thread entry of the battery's swarm runs (battery_pool.ts): registers tsx's loader in
// this thread, as the package's bin shim does for the main one, then loads the worker itself.
import { register } from "tsx/esm/api";

register();
await import("./battery_worker.ts");
