/**
 * Downward API values: a pod field (fieldRef) or a container resource (resourceFieldRef), as the
 * kubelet computes them for env vars (upstream podFieldSelectorRuntimeValue, fieldpath,
 * ExtractContainerResourceValue). Also usable by downwardAPI volumes. Errors throw with
 * upstream's messages.
 */
import { isQualifiedName } from "../../../apiserver/machinery/label-validation.ts";
import { parseQuantity, quantityScaledValue } from "../../../apiserver/machinery/quantity.ts";
import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector, ResourceList } from "./types.ts";

export interface PodRuntimeFacts {
  /** The node's IPs, primary first. */
  hostIPs: readonly string[];
  /** The pod's IPs, primary first (empty before the sandbox has an IP). */
  podIPs: readonly string[];
}

const POD_FIELDS = new Set([
  "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
  "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName",
  "status.phase", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
]);

/** `metadata.labels['k']` → ["metadata.labels", "k"]; upstream SplitMaybeSubscriptedPath. */
function splitSubscript(path: string): [string, string] | undefined {
  if (!path.endsWith("']")) return undefined;
  const trimmed = path.slice(0, -2);
  const at = trimmed.indexOf("['");
  if (at <= 0) return undefined;
  return [trimmed.slice(0, at), trimmed.slice(at + 2)];
}

function checkKey(key: string, fieldPath: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) throw new Error(`invalid key subscript in ${fieldPath}: ${errs.join(";")}`);
}

const ownValue = (m: Record<string, string> | undefined, key: string) => (m && Object.hasOwn(m, key) ? m[key]! : "");

/** Go's %q for the strings labels and annotations hold. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** upstream fieldpath.FormatMap: `k="v"` lines sorted by key. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m![k]!)}`).join("\n");
}

/** The value of a pod fieldRef. Throws on an unsupported path. */
export function podFieldValue(pod: Pod, ref: ObjectFieldSelector, facts: PodRuntimeFacts): string {
  const version = ref.apiVersion ?? "v1";
  if (version !== "v1") throw new Error(`unsupported pod version: ${version}`);
  let path = ref.fieldPath;
  const sub = splitSubscript(path);
  if (sub) {
    const [base, key] = sub;
    if (base === "metadata.annotations") {
      checkKey(key.toLowerCase(), path);
      return ownValue(pod.metadata.annotations, key);
    }
    if (base === "metadata.labels") {
      checkKey(key, path);
      return ownValue(pod.metadata.labels, key);
    }
    throw new Error(`field label does not support subscript: ${path}`);
  }
  if (path === "spec.host") path = "spec.nodeName";
  if (!POD_FIELDS.has(path)) throw new Error(`field label not supported: ${path}`);
  switch (path) {
    case "spec.nodeName": return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName": return pod.spec.serviceAccountName ?? "";
    case "status.hostIP": return facts.hostIPs[0] ?? "";
    case "status.hostIPs": return facts.hostIPs.join(",");
    case "status.podIP": return facts.podIPs[0] ?? "";
    case "status.podIPs": return facts.podIPs.join(",");
    case "metadata.annotations": return formatMap(pod.metadata.annotations);
    case "metadata.labels": return formatMap(pod.metadata.labels);
    case "metadata.name": return pod.metadata.name ?? "";
    case "metadata.namespace": return pod.metadata.namespace ?? "";
    case "metadata.uid": return pod.metadata.uid ?? "";
  }
  throw new Error(`unsupported fieldPath: ${path}`);
}

const quantityText = (q: string | number | undefined) => (q === undefined ? "0" : String(q));
const milli = (q: string | number | undefined) => Number(quantityScaledValue(parseQuantity(quantityText(q)), -3));
const whole = (q: string | number | undefined) => Number(quantityScaledValue(parseQuantity(quantityText(q)), 0));

function isZero(q: string | number | undefined): boolean {
  if (q === undefined) return true;
  try {
    return parseQuantity(quantityText(q)).mantissa === 0n;
  } catch {
    return false;
  }
}

/**
 * The container with its missing (or zero) cpu, memory and ephemeral-storage limits set to the
 * node's allocatable (upstream MergeContainerResourceLimits), as resourceFieldRef sees them.
 */
export function withAllocatableLimits(container: Container, allocatable: ResourceList): Container {
  const limits: ResourceList = { ...container.resources?.limits };
  for (const name of ["cpu", "memory", "ephemeral-storage"]) {
    if (isZero(limits[name]) && allocatable[name] !== undefined) limits[name] = allocatable[name]!;
  }
  return { ...container, resources: { ...container.resources, limits } };
}

/**
 * The value of a resourceFieldRef for `container` (already defaulted, see withAllocatableLimits):
 * ceil(quantity / divisor) as an integer string.
 */
export function containerResourceValue(ref: ResourceFieldSelector, container: Container): string {
  const dot = ref.resource.indexOf(".");
  const [kind, name] = [ref.resource.slice(0, dot), ref.resource.slice(dot + 1)];
  const known = name === "cpu" || name === "memory" || name === "ephemeral-storage" || name.startsWith("hugepages-");
  if ((kind !== "limits" && kind !== "requests") || !known) throw new Error(`unsupported container resource : ${ref.resource}`);
  const q = container.resources?.[kind]?.[name];
  const divisor = ref.divisor === undefined || isZero(ref.divisor) ? "1" : ref.divisor;
  if (name === "cpu") return String(Math.ceil(milli(q) / milli(divisor)));
  return String(Math.ceil(whole(q) / whole(divisor)));
}

/**
 * resourceFieldRef as the kubelet resolves it for env: limits default to the node's allocatable;
 * `containerName` picks another container of the pod (app containers are defaulted, init ones not).
 */
export function resourceFieldValue(pod: Pod, container: Container, ref: ResourceFieldSelector, allocatable: ResourceList): string {
  if (!ref.containerName) return containerResourceValue(ref, withAllocatableLimits(container, allocatable));
  const app = pod.spec.containers.find((c) => c.name === ref.containerName);
  if (app) return containerResourceValue(ref, withAllocatableLimits(app, allocatable));
  const init = (pod.spec.initContainers ?? []).find((c) => c.name === ref.containerName);
  if (init) return containerResourceValue(ref, init);
  throw new Error(`container ${ref.containerName} not found`);
}
