import type { PluginSource } from "./plugin-source.ts";
import { expectDefinition } from "./load-external-plugin.ts";

/**
 * The plugins compiled into lite. The only place core refers to plugins: each entry imports its
 * module lazily, so a disabled plugin is never imported. Ids must match the plugins' own ids.
 */
export const EMBEDDED_PLUGINS: readonly PluginSource[] = [
  { id: "flannel", origin: "embedded", load: async () => expectDefinition(await import("../../plugins/flannel/index.ts"), "plugins/flannel") },
  { id: "coredns", origin: "embedded", load: async () => expectDefinition(await import("../../plugins/coredns/index.ts"), "plugins/coredns") },
  { id: "local-storage", origin: "embedded", load: async () => expectDefinition(await import("../../plugins/local-storage/index.ts"), "plugins/local-storage") },
  { id: "metrics", origin: "embedded", load: async () => expectDefinition(await import("../../plugins/metrics/index.ts"), "plugins/metrics") },
  { id: "traefik", origin: "embedded", load: async () => expectDefinition(await import("../../plugins/traefik/index.ts"), "plugins/traefik") },
  { id: "servicelb", origin: "embedded", load: async () => expectDefinition(await import("../../plugins/servicelb/index.ts"), "plugins/servicelb") },
];
