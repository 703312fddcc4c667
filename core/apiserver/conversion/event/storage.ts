/** Events: one storage in core/v1 (key prefix `/registry/core/events/`), served as core/v1 and events.k8s.io/v1. */
import { defineStorageVersion } from "../define.ts";
import type { StorageVersion } from "../types.ts";
import { eventsV1Converter } from "./event-v1.ts";

export function eventStorageVersion(): StorageVersion {
  return defineStorageVersion({
    group: "", resource: "events", apiVersion: "v1", kind: "Event",
    converters: { "events.k8s.io/v1": eventsV1Converter },
  });
}
