/** The hook itself: storage keys, encode/decode in the storage version, memoized views. */
import { expect, test } from "bun:test";
import { builtinResources, type ResourceDef } from "../resources/index.ts";
import { resourcePrefix } from "../storage/keys.ts";
import { decodeStored, toServed, toStorage } from "./convert.ts";

const defs = builtinResources();
const find = (group: string, version: string, resource: string) =>
  defs.find((d) => d.group === group && d.version === version && d.resource === resource) as ResourceDef;
const hpaV1 = find("autoscaling", "v1", "horizontalpodautoscalers");
const eventsNew = find("events.k8s.io", "v1", "events");
const kv = (value: unknown) => ({ key: "k", value: JSON.stringify(value), createRevision: 1, modRevision: 7, lease: 0 });

test("shared storage: events.k8s.io Events use core's key prefix; HPA versions share theirs", () => {
  expect(resourcePrefix(eventsNew)).toBe("/registry/core/events/");
  expect(resourcePrefix(find("", "v1", "events"))).toBe("/registry/core/events/");
  expect(resourcePrefix(hpaV1)).toBe(resourcePrefix(find("autoscaling", "v2", "horizontalpodautoscalers")));
  expect(resourcePrefix(find("", "v1", "pods"))).toBe("/registry/core/pods/");
});

test("writes are typed as the storage version; reads as the requested one", () => {
  const stored = toStorage(hpaV1, { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { maxReplicas: 2, targetCPUUtilizationPercentage: 10 } });
  expect(stored.apiVersion).toBe("autoscaling/v2");
  expect(Object.keys(stored).slice(0, 2)).toEqual(["kind", "apiVersion"]);
  const served = toServed(hpaV1, stored);
  expect(served).toMatchObject({ apiVersion: "autoscaling/v1", spec: { targetCPUUtilizationPercentage: 10 } });
});

test("an object stored in an older served version is brought to the storage version on decode", () => {
  const legacy = { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { maxReplicas: 2, targetCPUUtilizationPercentage: 10 } };
  const obj = decodeStored(hpaV1, kv(legacy));
  expect(obj.apiVersion).toBe("autoscaling/v2");
  expect(obj.metadata.resourceVersion).toBe("7");
  expect(obj.spec.metrics[0].resource.target.averageUtilization).toBe(10);
});

test("views of frozen (watch cache) objects are converted once per version and frozen", () => {
  const stored = Object.freeze(decodeStored(eventsNew, kv({ apiVersion: "v1", kind: "Event", metadata: { name: "e" }, message: "m" })));
  const a = toServed(eventsNew, stored);
  expect(a.note).toBe("m");
  expect(toServed(eventsNew, stored)).toBe(a);
  expect(Object.isFrozen(a)).toBe(true);
  const unfrozen = { ...stored };
  expect(toServed(eventsNew, unfrozen)).not.toBe(toServed(eventsNew, unfrozen));
});
