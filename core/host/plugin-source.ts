import type { PluginDefinition } from "@lite/sdk";

/** Where a plugin comes from. `load` imports its module; it is called only for enabled plugins. */
export interface PluginSource {
  /** The id, known before loading for embedded plugins; external plugins reveal it when loaded. */
  readonly id?: string;
  /** "embedded", or the absolute path of an external plugin file. */
  readonly origin: string;
  load(): Promise<PluginDefinition>;
}
