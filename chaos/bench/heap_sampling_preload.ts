// Loaded into a server process by `bench-put-cpu --broker-allocations` (NODE_OPTIONS --import):
// the first SIGUSR2 starts V8's sampling heap profiler (objects already collected included, so it
// shows what a request path allocates, not what survives it); the second stops it and writes the
// profile as JSON to MQLAB_HEAP_SAMPLE_FILE, then prints "heap sample written". A bench tool only:
// nothing under system/ loads it.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

const file = process.env["MQLAB_HEAP_SAMPLE_FILE"];
if (file !== undefined && file !== "") {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on("SIGUSR2", () => {
    void (async () => {
      if (!sampling) {
        sampling = true;
        await session.post("HeapProfiler.enable");
        await session.post("HeapProfiler.startSampling", {
          samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
        });
        console.log("heap sampling started");
        return;
      }
      const { profile } = await session.post("HeapProfiler.stopSampling");
      writeFileSync(file, JSON.stringify(profile));
      console.log("heap sample written");
    })();
  });
}
