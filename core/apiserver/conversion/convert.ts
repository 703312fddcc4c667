/**
 * Where the engine meets the hook. Every read path turns stored objects into the requested
 * version with `toServed`; every write path turns the requested version into the storage
 * version with `toStorage` just before encoding. Resources without a `storageVersion` are
 * stored in their own version and these functions only set kind/apiVersion.
 */
import type { KeyValue } from "../../store/types.ts";
import { apiErrors } from "../errors/index.ts";
import { apiVersionOf, type KObject, type ResourceDef } from "../resources/types.ts";

type StorageOwner = Pick<ResourceDef, "group" | "resource"> & Partial<Pick<ResourceDef, "storageVersion">>;

/** The group/resource whose key prefix holds def's objects. */
export function storageResourceOf(def: StorageOwner): { group: string; resource: string } {
  const sv = def.storageVersion;
  return sv ? { group: sv.group, resource: sv.resource } : { group: def.group, resource: def.resource };
}

function typed(obj: KObject, kind: string, apiVersion: string): KObject {
  // Shared objects (the watch cache's, frozen) that already lead with this kind and apiVersion
  // are handed out as they are, so their remembered JSON text is reused (storage/shared-json.ts).
  if (obj.kind === kind && obj.apiVersion === apiVersion && Object.isFrozen(obj) && leadsWithTypeMeta(obj)) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { kind, apiVersion, ...rest } as KObject;
}

function leadsWithTypeMeta(obj: object): boolean {
  let i = 0;
  for (const key in obj) {
    if (key !== (i === 0 ? "kind" : "apiVersion")) return false;
    if (++i === 2) return true;
  }
  return false;
}

/** An object of def's version (as a request carries it) in the storage version. */
export function toStorage(def: ResourceDef, obj: KObject): KObject {
  const sv = def.storageVersion;
  if (!sv) return obj;
  const c = sv.converters[apiVersionOf(def)];
  return typed(c ? c.toStorage(obj) : obj, sv.kind, sv.apiVersion);
}

/**
 * A stored object as def's version. Objects stored in an older served version (written before
 * the storage version was declared) are first brought to the storage version.
 */
export function toServed(def: ResourceDef, stored: KObject): KObject {
  const sv = def.storageVersion;
  // Webhook-converted objects keep their stored apiVersion until `toServedAsync` converts them.
  if (!sv) return def.asyncConversion ? stored : typed(stored, def.kind, apiVersionOf(def));
  return sv.view(stored, apiVersionOf(def));
}

/**
 * Decode a stored value of a def with a storage version, in the storage version; `revision`
 * overrides the kv's mod revision (deletes). Defs without one decode in storage/codec.ts.
 */
export function decodeStored(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): KObject {
  const raw = JSON.parse(kv.value) as KObject;
  const obj = { ...raw, metadata: { ...raw.metadata, resourceVersion: String(revision) } };
  const sv = def.storageVersion;
  if (!sv) throw new Error(`${def.resource} declares no storage version`);
  const written = typeof raw.apiVersion === "string" ? raw.apiVersion : sv.apiVersion;
  const legacy = written !== sv.apiVersion ? sv.converters[written] : undefined;
  return typed(legacy ? legacy.toStorage(obj) : obj, sv.kind, sv.apiVersion);
}

/**
 * Objects of a def with `asyncConversion` (each in the apiVersion it was stored in) as def's
 * version, in order, with def's defaults applied (on copies: inputs may be shared and frozen).
 * A failed conversion is a 500 InternalError carrying the converter's message, as upstream.
 */
export async function toServedAsync(def: ResourceDef, stored: readonly KObject[]): Promise<KObject[]> {
  const conv = def.asyncConversion;
  if (!conv || stored.length === 0) return stored.slice();
  const served = await convertOrFail(conv.convert(stored, apiVersionOf(def)));
  return served.map((o) => {
    const out = typed(Object.isFrozen(o) ? structuredClone(o) : o, def.kind, apiVersionOf(def));
    def.strategy.fromStorage?.(out);
    return out;
  });
}

/** An object of def's version (a write) as the storage version of a def with `asyncConversion`. */
export async function toStorageAsync(def: ResourceDef, obj: KObject): Promise<KObject> {
  const conv = def.asyncConversion;
  if (!conv) return toStorage(def, obj);
  const [stored] = await convertOrFail(conv.convert([typed(obj, def.kind, apiVersionOf(def))], conv.storageApiVersion));
  return stored!;
}

async function convertOrFail(p: Promise<KObject[]>): Promise<KObject[]> {
  try {
    return await p;
  } catch (err) {
    throw apiErrors.internal(err);
  }
}
