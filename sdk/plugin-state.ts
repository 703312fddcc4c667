/**
 * The states a plugin moves through, as reported on the admin endpoint.
 * - Disabled: switched off by the operator; its module was never imported.
 * - Starting: its half is being started.
 * - Running: started and healthy.
 * - NotImplemented: loaded and started, but honestly does nothing yet.
 * - Degraded: running, but reported a problem (or a background task of it failed).
 * - Failed: threw while starting, or its critical work died.
 * - Stopped: stopped by the host.
 */
export type PluginState = "Disabled" | "Starting" | "Running" | "NotImplemented" | "Degraded" | "Failed" | "Stopped";

export const PLUGIN_STATES: readonly PluginState[] = [
  "Disabled", "Starting", "Running", "NotImplemented", "Degraded", "Failed", "Stopped",
];

/** What a plugin may report about itself while it runs. */
export interface HealthReport {
  /** Only these states may be chosen by the plugin; Failed/Stopped/Disabled belong to the host. */
  state: "Running" | "Degraded" | "NotImplemented";
  /** One human-readable line. */
  message?: string;
  /** Free-form, JSON-serialisable health details shown on the admin endpoint. */
  details?: Record<string, unknown>;
}
