// A workload client's own NAMESRV_ADDR (ProducerSpec.namesrvAddr), written with node names so
// one scenario runs under every deployer: "namesrv-2" is that NameServer's address and
// "namesrv-1:9877" its host with another port (nothing listens there: a wrong address).
// NameServer N is the N-th entry of the cluster's list (AddressPlan lists them in plan order);
// any other entry passes through as written.

/** Resolves `wanted` against the cluster's "ip:port;ip:port" list; throws on an unknown NameServer. */
export function resolveNamesrvAddr(wanted: string, clusterList: string): string {
  const cluster = clusterList.split(";").filter((entry) => entry !== "");
  return wanted.split(";").map((entry) => entry.trim()).filter((entry) => entry !== "").map((entry) => {
    const match = /^namesrv-(\d+)(?::(\d+))?$/.exec(entry);
    if (match === null) return entry;
    const address = cluster[Number(match[1]) - 1];
    if (address === undefined) throw new Error(`namesrvAddr entry "${entry}": the cluster has ${cluster.length} NameServer(s)`);
    if (match[2] === undefined) return address;
    return `${address.slice(0, address.lastIndexOf(":"))}:${match[2]}`;
  }).join(";");
}
