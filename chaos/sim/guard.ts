// withWorldTrapped(fn): while fn runs, the real world's time, timers and randomness throw,
// so a simulation run provably cannot reach them. The simulator keeps working because it
// captured its one host primitive (setImmediate) at load (host.ts) and uses nothing else.
//
// Trapped: Date.now(), new Date() without arguments, Date() as a function, setTimeout,
// setInterval, setImmediate, Math.random, performance.now, crypto.getRandomValues,
// crypto.randomUUID. new Date(ms) (formatting a virtual time) stays allowed. Everything is
// restored when fn settles. Nested calls are fine; only the outermost one installs traps.
// Node's own internals (and node:test's timeouts) use captured timers, so they keep working.

export class WorldAccessError extends Error {
  constructor(what: string) {
    super(`${what} reached the real world during a simulation run: go through the Env`);
    this.name = "WorldAccessError";
  }
}

type Restore = () => void;

function trapProperty(target: object, key: string, replacement: unknown): Restore {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { value: replacement, configurable: true, writable: true, enumerable: descriptor?.enumerable ?? false });
  return () => {
    if (descriptor === undefined) Reflect.deleteProperty(target, key);
    else Object.defineProperty(target, key, descriptor);
  };
}

function thrower(what: string): () => never {
  return () => {
    throw new WorldAccessError(what);
  };
}

function trappedDate(RealDate: DateConstructor): DateConstructor {
  return new Proxy(RealDate, {
    apply: thrower("Date()"),
    construct(target, args, newTarget) {
      if (args.length === 0) throw new WorldAccessError("new Date()");
      return Reflect.construct(target, args, newTarget) as object;
    },
    get(target, key, receiver) {
      if (key === "now") return thrower("Date.now()");
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

function installTraps(): Restore[] {
  const global = globalThis as Record<string, unknown>;
  const restores: Restore[] = [
    trapProperty(globalThis, "Date", trappedDate(Date)),
    trapProperty(globalThis, "setTimeout", thrower("setTimeout")),
    trapProperty(globalThis, "setInterval", thrower("setInterval")),
    trapProperty(globalThis, "setImmediate", thrower("setImmediate")),
    trapProperty(Math, "random", thrower("Math.random()")),
    trapProperty(performance, "now", thrower("performance.now()")),
  ];
  const crypto = global.crypto as object | undefined;
  if (crypto !== undefined) {
    restores.push(trapProperty(crypto, "getRandomValues", thrower("crypto.getRandomValues()")));
    restores.push(trapProperty(crypto, "randomUUID", thrower("crypto.randomUUID()")));
  }
  return restores;
}

let depth = 0;
let restores: Restore[] = [];

/** Runs fn with the real world trapped (see the header); restores it afterwards. */
export async function withWorldTrapped<T>(fn: () => Promise<T>): Promise<T> {
  if (depth === 0) restores = installTraps();
  depth++;
  try {
    return await fn();
  } finally {
    depth--;
    if (depth === 0) {
      for (const restore of restores.reverse()) restore();
      restores = [];
    }
  }
}
