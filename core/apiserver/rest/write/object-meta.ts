/** System-owned metadata: uid, timestamps, generateName, generation. */
import type { KObject } from "../../resources/index.ts";
import { formatTime } from "../../../kube-time.ts";

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const MAX_GENERATED_BASE = 58;

/** `generateName` + 5 random characters (upstream SimpleNameGenerator). */
export function generateName(base: string): string {
  const trimmed = base.length > MAX_GENERATED_BASE ? base.slice(0, MAX_GENERATED_BASE) : base;
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return trimmed + suffix;
}

/**
 * Upstream never shows empty labels/annotations/finalizers/ownerReferences: they are `omitempty`
 * maps and slices in ObjectMeta, so removing the last label leaves no `labels` key at all.
 */
export function dropEmptyMetaCollections(m: KObject["metadata"]): void {
  const meta = m as Record<string, unknown>;
  for (const key of ["labels", "annotations", "finalizers", "ownerReferences"]) {
    const v = meta[key];
    if (v === null || (Array.isArray(v) && v.length === 0) || (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0)) delete meta[key];
  }
}

/** Fill the fields the server owns on create. */
export function fillCreateMeta(obj: KObject, now: Date, tracksGeneration: boolean): void {
  const m = obj.metadata;
  dropEmptyMetaCollections(m);
  m.uid = crypto.randomUUID();
  m.creationTimestamp = formatTime(now);
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (tracksGeneration) m.generation = 1;
  else delete m.generation;
}

/** Copy the fields the server owns from the stored object onto an update. */
export function carryUpdateMeta(obj: KObject, old: KObject): void {
  const m = obj.metadata;
  const o = old.metadata;
  dropEmptyMetaCollections(m);
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.generation !== undefined) m.generation = o.generation; else delete m.generation;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp; else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
}

/** Everything but metadata and status, for generation bumps. */
export function specOf(obj: KObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return stableStringify(rest);
}

export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/**
 * Objects equal except for resourceVersion and managedFields (a no-op update). Same answer as
 * comparing `stableStringify` of both (apiVersion and kind ignored), without building the strings.
 */
export function sameObject(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
    return { ...o, metadata: meta, apiVersion: undefined, kind: undefined };
  };
  return stableEqual(strip(a), strip(b));
}

/**
 * `stableStringify(a) === stableStringify(b)`, computed structurally: object key order and
 * undefined-valued keys ignored; anything else that is not an array or object compares as its
 * JSON.stringify (so -0 equals 0, NaN equals null, as in the string comparison).
 */
export function stableEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const aObj = !!a && typeof a === "object";
  const bObj = !!b && typeof b === "object";
  if (!aObj || !bObj) return !aObj && !bObj && JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!stableEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let na = 0;
  for (const k of Object.keys(ra)) {
    const x = ra[k];
    if (x === undefined) continue;
    na++;
    if (!Object.hasOwn(rb, k) || !stableEqual(x, rb[k])) return false;
  }
  let nb = 0;
  for (const k of Object.keys(rb)) if (rb[k] !== undefined) nb++;
  return na === nb;
}
