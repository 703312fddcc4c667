/**
 * What `coreServices.scheduler` offers plugins: adding scheduler plugins to the default profile.
 * Registered plugins run after the in-tree ones at each extension point they implement (Bind:
 * before the default binder, which then runs only if every registered binder skips). They are
 * removed when the registering plugin stops (or when the returned function is called).
 */
import type { SchedulerPluginDefinition } from "./plugin.ts";

export interface SchedulerPluginRegistration<Args = unknown> {
  args?: Args;
  /** Score weight, overriding the definition's. */
  weight?: number;
}

export interface SchedulerService {
  /** Adds a plugin to the running scheduler; throws if a plugin of that name is registered. Returns the unregister function. */
  registerPlugin<Args>(definition: SchedulerPluginDefinition<Args>, registration?: SchedulerPluginRegistration<Args>): () => void;
  /** Names of the plugins at each extension point, for diagnostics. */
  plugins(): Record<string, readonly string[]>;
}
