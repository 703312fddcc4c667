/**
 * Downward API files (upstream pkg/volume/downwardapi CollectData, fieldpath and resource
 * helpers): metadata fields, labels/annotations as sorted `key="value"` lines (Go %q quoting),
 * and container resources divided by a divisor and rounded up, with limits defaulting to the
 * node's allocatable. Errors of single items are collected, not thrown one by one.
 */
import type { KubeObject } from "@lite/sdk";
import { parseQuantity, quantityScaledValue } from "../../../apiserver/machinery/quantity.ts";
import type { Payload } from "./atomic-writer.ts";
import { aggregate, errorMessage } from "./errors.ts";
import { podSpec, type ContainerSpec, type DownwardAPIVolumeFile, type Quantity, type ResourceFieldSelector, type ResourceList } from "./types.ts";

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;
const SHORT_ESCAPES: Record<string, string> = { "\u0007": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\" };

/** Go's strconv.Quote: double quotes, Go escapes for non-printable runes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short) { out += short; continue; }
    if (PRINTABLE.test(ch)) { out += ch; continue; }
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** fieldpath.FormatMap: `key="value"` lines sorted by key, no trailing newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k}=${goQuote(m![k]!)}`).join("\n");
}

/** `metadata.labels['k']` -> ["metadata.labels", "k"]. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  const m = /^(.+)\['(.*)'\]$/.exec(fieldPath);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** fieldpath.ExtractFieldPathAsString for a pod. */
export function fieldPathValue(pod: KubeObject, fieldPath: string): string {
  const meta = pod.metadata;
  const sub = splitSubscript(fieldPath);
  if (sub) {
    const [path, key] = sub;
    if (path === "metadata.annotations") return meta.annotations?.[key] ?? "";
    if (path === "metadata.labels") return meta.labels?.[key] ?? "";
    throw new Error(`fieldPath ${JSON.stringify(fieldPath)} does not support subscript`);
  }
  switch (fieldPath) {
    case "metadata.annotations": return formatMap(meta.annotations);
    case "metadata.labels": return formatMap(meta.labels);
    case "metadata.name": return meta.name ?? "";
    case "metadata.namespace": return meta.namespace ?? "";
    case "metadata.uid": return meta.uid ?? "";
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

function scaled(q: Quantity | undefined, scale: number): bigint {
  if (q === undefined || q === null || q === "") return 0n;
  return quantityScaledValue(parseQuantity(String(q)), scale);
}

/** ceil(value / divisor) in the resource's unit (milli for cpu), as a decimal string. */
function divideUp(q: Quantity | undefined, divisor: Quantity | undefined, milli: boolean): string {
  const scale = milli ? -3 : 0;
  let d = divisor === undefined || divisor === "" || scaled(divisor, -9) === 0n ? 1n * (milli ? 1000n : 1n) : scaled(divisor, scale);
  if (d <= 0n) d = 1n;
  const v = scaled(q, scale);
  if (v <= 0n) return "0";
  return ((v + d - 1n) / d).toString();
}

/** The container a resourceFieldRef names, among regular and init containers. */
function findContainer(pod: KubeObject, name: string | undefined): ContainerSpec {
  const spec = podSpec(pod);
  const c = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((x) => x.name === name);
  if (!c) throw new Error(`container ${name ?? ""} not found`);
  return c;
}

/**
 * resource.ExtractResourceValueByContainerNameAndNodeAllocatable: limits.{cpu,memory,
 * ephemeral-storage} fall back to the node's allocatable when unset or zero.
 */
export function resourceFieldValue(pod: KubeObject, sel: ResourceFieldSelector, nodeAllocatable: ResourceList): string {
  const c = findContainer(pod, sel.containerName);
  const limits: ResourceList = { ...(c.resources?.limits ?? {}) };
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    if ((limits[r] === undefined || scaled(limits[r], -9) === 0n) && nodeAllocatable[r] !== undefined) limits[r] = nodeAllocatable[r]!;
  }
  const requests = c.resources?.requests ?? {};
  const dot = sel.resource.indexOf(".");
  const kind = sel.resource.slice(0, dot);
  const name = sel.resource.slice(dot + 1);
  const list = kind === "limits" ? limits : kind === "requests" ? requests : undefined;
  if (list && (name === "cpu" || name === "memory" || name === "ephemeral-storage" || name.startsWith("hugepages-"))) {
    return divideUp(list[name], sel.divisor, name === "cpu");
  }
  throw new Error(`unsupported container resource : ${sel.resource}`);
}

/** Collects the files of a downwardAPI volume or projection; the error aggregates failed items. */
export function downwardApiPayload(items: readonly DownwardAPIVolumeFile[] | undefined, pod: KubeObject, defaultMode: number, nodeAllocatable: () => ResourceList): { payload: Payload; error?: string } {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items ?? []) {
    const path = item.path.split("/").filter((p) => p !== "" && p !== ".").join("/");
    const mode = item.mode ?? defaultMode;
    let data = "";
    try {
      if (item.fieldRef) data = fieldPathValue(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef) data = resourceFieldValue(pod, item.resourceFieldRef, nodeAllocatable());
    } catch (err) {
      errors.push(errorMessage(err));
    }
    payload.set(path, { data, mode });
  }
  return { payload, error: aggregate(errors) };
}
