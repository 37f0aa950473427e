// Jepsen's partition shapes as the set of node pairs that can no longer talk (pure, so every
// deployer can turn them into its own rules): isolate one node; halves; a bridge (two halves
// that both still reach one node); a majorities ring (nodes on a ring each see a majority —
// themselves and their nearest neighbours — and no two see the same one).

export type PartitionShape = "isolate" | "halves" | "bridge" | "majorities-ring";

/** Unordered pairs [a, b] (a < b) to cut in both directions. */
export function partitionCuts(shape: PartitionShape, names: readonly string[], target: string | undefined): [string, string][] {
  const sorted = [...new Set(names)].sort();
  const cutsBetween = (left: readonly string[], right: readonly string[]): [string, string][] =>
    left.flatMap((a) => right.map((b): [string, string] => (a < b ? [a, b] : [b, a])));
  switch (shape) {
    case "isolate": {
      if (target === undefined || !sorted.includes(target)) throw new Error(`partition isolate needs a known target node (got ${String(target)})`);
      return cutsBetween([target], sorted.filter((name) => name !== target));
    }
    case "halves": {
      const middle = Math.ceil(sorted.length / 2);
      return cutsBetween(sorted.slice(0, middle), sorted.slice(middle));
    }
    case "bridge": {
      const bridge = target ?? sorted[Math.floor(sorted.length / 2)];
      if (bridge === undefined || !sorted.includes(bridge)) throw new Error(`bridge partition needs a known bridge node (got ${String(bridge)})`);
      const rest = sorted.filter((name) => name !== bridge);
      const middle = Math.ceil(rest.length / 2);
      return cutsBetween(rest.slice(0, middle), rest.slice(middle));
    }
    case "majorities-ring": {
      const count = sorted.length;
      if (count < 3) throw new Error("a majorities ring needs at least 3 nodes");
      const majority = Math.floor(count / 2) + 1;
      // Seeing neighbours up to this ring distance on both sides gives ≥ a majority.
      const reach = Math.ceil((majority - 1) / 2);
      const cuts: [string, string][] = [];
      for (let i = 0; i < count; i++) {
        for (let j = i + 1; j < count; j++) {
          const distance = Math.min(j - i, count - (j - i));
          if (distance > reach) cuts.push([sorted[i]!, sorted[j]!]);
        }
      }
      return cuts;
    }
  }
}
