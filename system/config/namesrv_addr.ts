// Where a node finds its NameServers: the -n option, else the config's namesrvAddr, else the
// NAMESRV_ADDR environment variable (passed in by the caller), semicolon-separated.
import { ConfigError } from "./properties.ts";

export function parseNamesrvList(text: string, sourceName: string): string[] {
  const addresses = text.split(";").map((part) => part.trim()).filter((part) => part.length > 0);
  for (const address of addresses) {
    const match = /^([^:\s]+):(\d{1,5})$/.exec(address);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(`${sourceName}: bad NameServer address "${address}" (want host:port, several joined by ';')`);
    }
  }
  return addresses;
}

export function resolveNamesrvAddr(sources: {
  option?: string | undefined;
  config?: string | undefined;
  environment?: string | undefined;
}): string[] {
  if (sources.option !== undefined && sources.option.trim() !== "") return parseNamesrvList(sources.option, "-n");
  if (sources.config !== undefined && sources.config.trim() !== "") return parseNamesrvList(sources.config, "namesrvAddr");
  if (sources.environment !== undefined && sources.environment.trim() !== "") {
    return parseNamesrvList(sources.environment, "NAMESRV_ADDR");
  }
  return [];
}
