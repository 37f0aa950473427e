// Preloaded into `npm test` (and each test file's process, which inherits the flag): make this
// process's stdout blocking. A test file's process streams its verdicts to the runner over a
// pipe, which Node writes asynchronously on Linux, and --test-force-exit ends the process with
// process.exit() as soon as the last test finishes, cutting whatever the pipe had not taken yet:
// the runner then reports fewer tests than ran, with no failure and exit 0 (nodejs/node#64833;
// seen here as a checker test file whose last two verdicts were missing). A blocking write
// finishes before process.exit() can run.
const stdout = process.stdout as unknown as { _handle?: { setBlocking?: (blocking: boolean) => unknown } };
stdout._handle?.setBlocking?.(true);
