/**
 * LimitRanger admission (upstream plugin/pkg/admission/limitranger) for Pods on create: the
 * namespace's LimitRanges of type Container fill in missing limits (`default`) and requests
 * (`defaultRequest`) of every container and init container (mutating phase), then every
 * Container and Pod item's min, max and maxLimitRequestRatio are enforced (validating phase);
 * a violation is a Forbidden error listing each one. Upstream skips pod updates (containers'
 * resources are immutable there) and subresources. PersistentVolumeClaim items bound the claim's
 * `spec.resources.requests` (min and max, on create and on update, i.e. resizes); claims get no
 * defaults.
 */
import { apiErrors } from "../errors/index.ts";
import { computePodQos } from "../machinery/pod-qos.ts";
import { parseQuantity, quantityScaledValue, type Quantity } from "../machinery/quantity.ts";
import type { KObject } from "../resources/index.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "./types.ts";

type ResourceList = Record<string, string>;
interface LimitRangeItem {
  type?: string;
  min?: ResourceList;
  max?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}
interface Container { resources?: { requests?: ResourceList; limits?: ResourceList } }

const appliesTo = (attrs: AdmissionAttributes) =>
  attrs.operation === "CREATE" && !attrs.subresource && attrs.def.group === "" && attrs.def.resource === "pods" && !!attrs.object;
const appliesToClaim = (attrs: AdmissionAttributes) =>
  (attrs.operation === "CREATE" || attrs.operation === "UPDATE") && !attrs.subresource && attrs.def.group === "" &&
  attrs.def.resource === "persistentvolumeclaims" && !!attrs.object;

/** `listLimitRanges(namespace)` returns the namespace's LimitRange objects. */
export function limitRangerPlugin(listLimitRanges: (namespace: string) => readonly KObject[]): AdmissionPlugin {
  const itemsOf = (ns: string, type: string): LimitRangeItem[] =>
    listLimitRanges(ns).flatMap((lr) => ((lr.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? []).filter((i) => i.type === type));
  return {
    name: "LimitRanger",
    admit(attrs) {
      if (!appliesTo(attrs)) return;
      const items = itemsOf(attrs.namespace, "Container");
      if (items.length === 0) return;
      const pod = attrs.object!;
      const spec = pod.spec as { containers?: Container[]; initContainers?: Container[] };
      // Upstream merges the defaults of every item: the first one naming a resource wins.
      const defaultLimits: ResourceList = {};
      const defaultRequests: ResourceList = {};
      for (const item of items) {
        for (const [k, v] of Object.entries(item.default ?? {})) defaultLimits[k] ??= v;
        for (const [k, v] of Object.entries(item.defaultRequest ?? {})) defaultRequests[k] ??= v;
      }
      for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
        const res = (c.resources ??= {});
        for (const [k, v] of Object.entries(defaultLimits)) if (!(k in (res.limits ?? {}))) (res.limits ??= {})[k] = v;
        for (const [k, v] of Object.entries(defaultRequests)) if (!(k in (res.requests ?? {}))) (res.requests ??= {})[k] = v;
      }
      // Upstream computes the QoS class after admission; lite's pod strategy ran before it.
      if (pod.status) (pod.status as Record<string, unknown>).qosClass = computePodQos(pod.spec as Parameters<typeof computePodQos>[0]);
    },
    validate(attrs) {
      if (appliesToClaim(attrs)) return validateClaim(attrs.object!, itemsOf(attrs.namespace, "PersistentVolumeClaim"));
      if (!appliesTo(attrs)) return;
      const pod = attrs.object!;
      const spec = pod.spec as { containers?: Container[]; initContainers?: Container[] };
      const errors: string[] = [];
      for (const item of itemsOf(attrs.namespace, "Container")) {
        for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
          errors.push(...checkItem("Container", item, c.resources?.requests ?? {}, c.resources?.limits ?? {}));
        }
      }
      const podItems = itemsOf(attrs.namespace, "Pod");
      if (podItems.length > 0) {
        const requests = podTotals(spec, "requests");
        const limits = podTotals(spec, "limits");
        for (const item of podItems) errors.push(...checkItem("Pod", item, requests, limits));
      }
      if (errors.length > 0) {
        throw apiErrors.forbidden({ group: "", resource: "pods" }, pod.metadata.name ?? "", errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`);
      }
    },
  };
}

/**
 * Upstream PersistentVolumeClaimValidateLimitFunc: each item's min against the claim's requests
 * (its limits are not user input there), and its max against the requests too.
 */
function validateClaim(claim: KObject, items: readonly LimitRangeItem[]): void {
  if (items.length === 0) return;
  const requests = (claim.spec as { resources?: { requests?: ResourceList } } | undefined)?.resources?.requests ?? {};
  const errors: string[] = [];
  for (const item of items) {
    errors.push(...checkItem("PersistentVolumeClaim", { min: item.min }, requests, {}));
    for (const [name, maxText] of Object.entries(item.max ?? {})) {
      if (!(name in requests)) errors.push(`maximum ${name} usage per PersistentVolumeClaim is ${maxText}.  No request is specified`);
      else if (milli(parseQuantity(requests[name]!)) > milli(parseQuantity(maxText))) {
        errors.push(`maximum ${name} usage per PersistentVolumeClaim is ${maxText}, but request is ${requests[name]}`);
      }
    }
  }
  if (errors.length > 0) {
    throw apiErrors.forbidden({ group: "", resource: "persistentvolumeclaims" }, claim.metadata.name ?? "", errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`);
  }
}

/** Upstream compares CPU in milli-units and everything else in units; milli-units order both the same way. */
const milli = (q: Quantity) => quantityScaledValue(q, -3);

/** Upstream minConstraint, maxConstraint and limitRequestRatioConstraint for one item. */
function checkItem(kind: string, item: LimitRangeItem, requests: ResourceList, limits: ResourceList): string[] {
  const errs: string[] = [];
  for (const [name, minText] of Object.entries(item.min ?? {})) {
    const min = parseQuantity(minText);
    if (!(name in requests)) { errs.push(`minimum ${name} usage per ${kind} is ${minText}.  No request is specified`); continue; }
    if (milli(parseQuantity(requests[name]!)) < milli(min)) errs.push(`minimum ${name} usage per ${kind} is ${minText}, but request is ${requests[name]}`);
    else if (name in limits && milli(parseQuantity(limits[name]!)) < milli(min)) errs.push(`minimum ${name} usage per ${kind} is ${minText}, but limit is ${limits[name]}`);
  }
  for (const [name, maxText] of Object.entries(item.max ?? {})) {
    const max = parseQuantity(maxText);
    if (!(name in limits)) { errs.push(`maximum ${name} usage per ${kind} is ${maxText}.  No limit is specified`); continue; }
    if (milli(parseQuantity(limits[name]!)) > milli(max)) errs.push(`maximum ${name} usage per ${kind} is ${maxText}, but limit is ${limits[name]}`);
    else if (name in requests && milli(parseQuantity(requests[name]!)) > milli(max)) errs.push(`maximum ${name} usage per ${kind} is ${maxText}, but request is ${requests[name]}`);
  }
  for (const [name, ratioText] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const req = name in requests ? milli(parseQuantity(requests[name]!)) : 0n;
    const lim = name in limits ? milli(parseQuantity(limits[name]!)) : 0n;
    if (!(name in requests) || req === 0n) { errs.push(`${name} max limit to request ratio per ${kind} is ${ratioText}, but no request is specified or request is 0`); continue; }
    if (!(name in limits) || lim === 0n) { errs.push(`${name} max limit to request ratio per ${kind} is ${ratioText}, but no limit is specified or limit is 0`); continue; }
    const observed = Number(lim) / Number(req);
    if (observed > parseQuantity(ratioText).value) errs.push(`${name} max limit to request ratio per ${kind} is ${ratioText}, but provided ratio is ${observed.toFixed(6)}`);
  }
  return errs;
}

/** A pod's total of `field` per resource: the sum over containers, or the largest init container if that is more (upstream's pod requests). */
function podTotals(spec: { containers?: Container[]; initContainers?: Container[] }, field: "requests" | "limits"): ResourceList {
  const totals = new Map<string, bigint>();
  for (const c of spec.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) totals.set(k, (totals.get(k) ?? 0n) + milli(parseQuantity(v)));
  }
  for (const c of spec.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) {
      const m = milli(parseQuantity(v));
      if (m > (totals.get(k) ?? 0n)) totals.set(k, m);
    }
  }
  return Object.fromEntries([...totals].map(([k, m]) => [k, `${m}m`]));
}
