import type { Logger, PluginDefinition } from "@lite/sdk";
import type { PluginSource } from "./plugin-source.ts";

/** A logger that records lines, for host tests. */
export function recordingLogger(lines: string[] = []): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: () => logger };
  return logger;
}

/** An in-memory plugin source. */
export function sourceOf(definition: PluginDefinition, origin = "embedded"): PluginSource {
  return { id: definition.id, origin, load: async () => definition };
}

export const CLUSTER = {
  clusterCIDR: "10.42.0.0/16", serviceCIDR: "10.43.0.0/16", clusterDNS: "10.43.0.10", clusterDomain: "cluster.local",
  serviceNodePortRange: { min: 30000, max: 32767 },
} as const;
