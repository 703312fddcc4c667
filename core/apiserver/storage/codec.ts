/**
 * Object <-> stored value. The stored JSON never holds metadata.resourceVersion: it is the
 * key's mod revision, filled in on decode. Decoded objects carry the served kind/apiVersion
 * (converted from the storage version when the resource declares one, see conversion/).
 */
import type { KeyValue } from "../../store/types.ts";
import { decodeStored, toServed } from "../conversion/convert.ts";
import { apiVersionOf, type KObject, type ResourceDef } from "../resources/index.ts";

export function encodeObject(obj: KObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

/** Decode a stored value as `def`'s kind; `revision` overrides the kv's mod revision (deletes). */
export function decodeObject(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): KObject {
  if (def.storageVersion) return toServed(def, decodeStored(def, kv, revision));
  const raw = JSON.parse(kv.value) as KObject;
  const withRevision = { ...raw, metadata: { ...raw.metadata, resourceVersion: String(revision) } };
  // Webhook conversion: keep the stored apiVersion; defaults follow conversion (toServedAsync).
  if (def.asyncConversion) return { kind: def.kind, apiVersion: raw.apiVersion, ...withRevision } as KObject;
  const obj = withTypeMeta(def, withRevision);
  def.strategy.fromStorage?.(obj);
  return obj;
}

/**
 * Decode a stored value in the storage version (what watch caches hold); the same as
 * `decodeObject` for resources that declare no shared storage (conversion/).
 */
export function decodeStoredObject(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): KObject {
  return def.storageVersion ? decodeStored(def, kv, revision) : decodeObject(def, kv, revision);
}

/** Put kind and apiVersion first, as the served version. */
export function withTypeMeta(def: ResourceDef, obj: KObject): KObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { kind: def.kind, apiVersion: apiVersionOf(def), ...rest } as KObject;
}
