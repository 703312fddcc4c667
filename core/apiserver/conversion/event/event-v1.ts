/**
 * events.k8s.io/v1 Event <-> the core/v1 Event storage version, as upstream
 * pkg/apis/events/v1/conversion.go: `regarding`/`involvedObject`, `note`/`message`,
 * `reportingController`/`reportingComponent`, and the `deprecated*` fields <-> `source`,
 * `firstTimestamp`, `lastTimestamp`, `count`; every other field has the same name in both.
 * Fields Go always serializes (no omitempty on struct-typed or required fields) are filled
 * as upstream shows them: `{}` objects, `null` timestamps, `""` strings.
 */
import type { KObject } from "../../resources/types.ts";
import type { VersionConverter } from "../types.ts";

// biome-ignore lint: events are open JSON documents.
type J = Record<string, any>;

/** events.k8s.io/v1 name -> core/v1 name, for the fields that differ. */
export const EVENTS_TO_CORE: Readonly<Record<string, string>> = {
  regarding: "involvedObject",
  note: "message",
  reportingController: "reportingComponent",
  deprecatedSource: "source",
  deprecatedFirstTimestamp: "firstTimestamp",
  deprecatedLastTimestamp: "lastTimestamp",
  deprecatedCount: "count",
};

const CORE_TO_EVENTS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(EVENTS_TO_CORE).map(([e, c]) => [c, e]));

/** Fields that both versions share by name (everything else outside the maps is dropped). */
const SHARED = ["metadata", "eventTime", "series", "reportingInstance", "action", "reason", "related", "type"];

function rename(obj: J, names: Readonly<Record<string, string>>, always: Readonly<Record<string, unknown>>): J {
  const out: J = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind") continue;
    const to = names[k] ?? (SHARED.includes(k) ? k : undefined);
    if (to !== undefined) out[to] = v;
  }
  for (const [k, v] of Object.entries(always)) if (out[k] === undefined) out[k] = v;
  return out;
}

/** core/v1 (storage) -> events.k8s.io/v1. */
export function eventToEventsV1(stored: KObject): KObject {
  return rename(stored, CORE_TO_EVENTS, {
    eventTime: null, regarding: {}, deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null,
  }) as KObject;
}

/** events.k8s.io/v1 -> core/v1 (storage). */
export function eventFromEventsV1(served: KObject): KObject {
  return rename(served, EVENTS_TO_CORE, {
    involvedObject: {}, source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: "", reportingInstance: "",
  }) as KObject;
}

export const eventsV1Converter: VersionConverter = { fromStorage: eventToEventsV1, toStorage: eventFromEventsV1 };
