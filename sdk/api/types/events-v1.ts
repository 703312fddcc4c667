// events/v1: declarations of the events.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const eventsV1 = defineApiPackage({
  id: "events/v1",
  group: "events.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.events.v1",
  kinds: { Event: {} },
  types: {
    Event: object("A report of something that happened in the cluster.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      eventTime: f(2, "MicroTime", { required: true }),
      series: f(3, "*EventSeries"),
      reportingController: f(4, "string"),
      reportingInstance: f(5, "string"),
      action: f(6, "string"),
      reason: f(7, "string"),
      regarding: f(8, "core/v1.ObjectReference"),
      related: f(9, "*core/v1.ObjectReference"),
      note: f(10, "string"),
      type: f(11, "string"),
      deprecatedSource: f(12, "core/v1.EventSource"),
      deprecatedFirstTimestamp: f(13, "Time"),
      deprecatedLastTimestamp: f(14, "Time"),
      deprecatedCount: f(15, "int32"),
    }),
    EventSeries: object("Repetitions of the same event.", {
      count: f(1, "int32", { required: true }),
      lastObservedTime: f(2, "MicroTime", { required: true }),
    }),
  },
});
