/**
 * Events: what a controller tells users about an object (`kubectl describe` shows them).
 * Recording never throws and never blocks reconcile; repeats of the same (object, type, reason,
 * message) are aggregated by incrementing `count` on one Event, as upstream's event correlator does.
 */
import type { KubeObject } from "../client/resource.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** Records an Event about `object` (which needs apiVersion, kind, metadata.name/namespace/uid). */
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}
