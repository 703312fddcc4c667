import type { PluginState } from "@lite/sdk";

/** One plugin's status as the admin endpoint reports it (one entry per plugin and role). */
export interface PluginStatus {
  id: string;
  /** Which half this entry describes: "server" (runs once) or "node" (runs in each agent). */
  role: "server" | "node";
  version: string;
  /** "embedded" or the external plugin file's path. */
  source: string;
  enabled: boolean;
  critical: boolean;
  dependsOn: string[];
  state: PluginState;
  /** RFC 3339 time the state last changed. */
  since: string;
  message?: string;
  lastError?: string;
  /** Health details the plugin reported. */
  details?: Record<string, unknown>;
}
