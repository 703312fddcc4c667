/**
 * The result of one plugin call (upstream framework.PluginStatus). `Unschedulable` may be resolved by
 * preemption; `UnschedulableAndUnresolvable` may not; `Skip` means the plugin has nothing to do for
 * this pod (its later extension points are skipped too); `Wait` is for Permit only.
 */
export type StatusCode = "Success" | "Error" | "Unschedulable" | "UnschedulableAndUnresolvable" | "Wait" | "Skip" | "Pending";

export interface PluginStatus {
  readonly code: StatusCode;
  /** Human-readable reasons, e.g. "Insufficient cpu" (counted per node in FailedScheduling messages). */
  readonly reasons: readonly string[];
  /** The plugin that returned it (set by the framework). */
  readonly plugin?: string;
  readonly error?: Error;
}

const SUCCESS: PluginStatus = Object.freeze({ code: "Success", reasons: Object.freeze([]) as readonly string[] });

export const Statuses = {
  success: (): PluginStatus => SUCCESS,
  skip: (): PluginStatus => ({ code: "Skip", reasons: [] }),
  unschedulable: (...reasons: string[]): PluginStatus => ({ code: "Unschedulable", reasons }),
  unresolvable: (...reasons: string[]): PluginStatus => ({ code: "UnschedulableAndUnresolvable", reasons }),
  wait: (): PluginStatus => ({ code: "Wait", reasons: [] }),
  error: (error: Error | string): PluginStatus => {
    const e = typeof error === "string" ? new Error(error) : error;
    return { code: "Error", reasons: [e.message], error: e };
  },
} as const;

export const isSuccess = (s: PluginStatus | undefined): boolean => !s || s.code === "Success";
/** Unschedulable or UnschedulableAndUnresolvable. */
export const isRejected = (s: PluginStatus | undefined): boolean => !!s && (s.code === "Unschedulable" || s.code === "UnschedulableAndUnresolvable");
