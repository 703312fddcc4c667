/**
 * Typed object access for one resource over the kine-shaped Store: get/create/update/delete
 * with compare-and-swap, and `guaranteedUpdate` (read, transform, CAS, retry on conflict).
 * Store errors are translated into ApiErrors with upstream messages.
 */
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError, type Store } from "../../store/types.ts";
import { apiErrors } from "../errors/index.ts";
import type { KObject, ResourceDef } from "../resources/index.ts";
import { toServed, toServedAsync, toStorage, toStorageAsync } from "../conversion/convert.ts";
import { decodeObject, decodeStoredObject, encodeObject } from "./codec.ts";
import { listPrefix, objectKey } from "./keys.ts";

export interface Current {
  readonly object: KObject;
  readonly modRevision: number;
}

/** What a guaranteedUpdate transform decides. */
export type UpdateDecision =
  | { readonly action: "update"; readonly object: KObject }
  | { readonly action: "delete" }
  | { readonly action: "none" };

/**
 * The watch cache's own object for a key at a revision just written, or undefined (see
 * WatchCache.objectAt).
 */
export type CachedWrite = (key: string, revision: number) => Promise<KObject | undefined>;

export class ResourceStore {
  /**
   * `cachedWrite`, when given, answers creates and updates (also those of `guaranteedUpdate`) with the watch cache's shared object
   * for the written revision: its JSON is then encoded once for the response and reused by every
   * later LIST and watch of it (storage/shared-json.ts), and the write decodes nothing. Such
   * results are frozen; callers that need to change a result copy it.
   */
  constructor(readonly def: ResourceDef, private readonly store: Store, private readonly cachedWrite?: CachedWrite) {}

  key(namespace: string, name: string): string {
    return objectKey(this.def, namespace, name);
  }

  listPrefix(namespace: string): string {
    return listPrefix(this.def, namespace);
  }

  private gr() {
    return { group: this.def.group, resource: this.def.resource };
  }

  async get(namespace: string, name: string): Promise<Current | undefined> {
    const { kv } = await this.store.get(this.key(namespace, name));
    return kv ? { object: await this.served(kv), modRevision: kv.modRevision } : undefined;
  }

  async mustGet(namespace: string, name: string): Promise<Current> {
    const cur = await this.get(namespace, name);
    if (!cur) throw apiErrors.notFound(this.gr(), name);
    return cur;
  }

  async create(obj: KObject): Promise<KObject> {
    const name = obj.metadata.name ?? "";
    try {
      const kv = await this.store.create(this.key(obj.metadata.namespace ?? "", name), await this.encode(obj));
      return await this.written(kv);
    } catch (err) {
      if (err instanceof KeyExistsError) throw apiErrors.alreadyExists(this.gr(), name);
      throw err;
    }
  }

  /** CAS write; a stale revision is the standard 409 Conflict. */
  async update(obj: KObject, expectedModRevision: number): Promise<KObject> {
    const name = obj.metadata.name ?? "";
    try {
      const kv = await this.store.update(this.key(obj.metadata.namespace ?? "", name), await this.encode(obj), expectedModRevision);
      return await this.written(kv);
    } catch (err) {
      if (err instanceof ConflictError) throw apiErrors.modified(this.gr(), name);
      if (err instanceof KeyNotFoundError) throw apiErrors.notFound(this.gr(), name);
      throw err;
    }
  }

  /** CAS delete; returns the last state with resourceVersion = the deleted row's revision. */
  async delete(namespace: string, name: string, expectedModRevision: number): Promise<KObject> {
    try {
      const kv = await this.store.delete(this.key(namespace, name), expectedModRevision);
      return await this.served(kv);
    } catch (err) {
      if (err instanceof ConflictError) throw apiErrors.modified(this.gr(), name);
      if (err instanceof KeyNotFoundError) throw apiErrors.notFound(this.gr(), name);
      throw err;
    }
  }

  /**
   * Read-modify-write until the CAS succeeds. `transform` receives the current object (a private
   * copy) and decides; it may throw ApiErrors (including a precondition Conflict, which is final).
   * `cached` (upstream's cachedExistingObject): a private copy the caller just read, used for the
   * first attempt instead of a second read. It may be stale: the CAS rejects a write based on it,
   * and an error or a no-op decided on it stands only if it is still the stored revision;
   * otherwise the attempt is retried on a fresh read, so the outcome is as without `cached`.
   */
  async guaranteedUpdate(
    namespace: string, name: string,
    transform: (current: Current | undefined) => Promise<UpdateDecision> | UpdateDecision,
    cached?: Current,
  ): Promise<{ object: KObject | undefined; deleted: boolean; previous: Current | undefined }> {
    let useCached = cached !== undefined;
    for (let attempt = 0; ; attempt++) {
      const fromCache = useCached;
      useCached = false;
      const current = fromCache ? cached : await this.get(namespace, name);
      let decision: UpdateDecision;
      try {
        decision = await transform(current);
      } catch (err) {
        if (fromCache && !(await this.isStored(namespace, name, current))) continue;
        throw err;
      }
      if (fromCache && decision.action === "none" && !(await this.isStored(namespace, name, current))) continue;
      try {
        if (decision.action === "none") return { object: current?.object, deleted: false, previous: current };
        if (decision.action === "delete") {
          if (!current) throw apiErrors.notFound(this.gr(), name);
          const last = await this.store.delete(this.key(namespace, name), current.modRevision);
          return { object: await this.served(last), deleted: true, previous: current };
        }
        if (!current) {
          const kv = await this.store.create(this.key(namespace, name), await this.encode(decision.object));
          return { object: await this.written(kv), deleted: false, previous: undefined };
        }
        const kv = await this.store.update(this.key(namespace, name), await this.encode(decision.object), current.modRevision);
        return { object: await this.written(kv), deleted: false, previous: current };
      } catch (err) {
        const retriable = err instanceof ConflictError || err instanceof KeyNotFoundError || (err instanceof KeyExistsError);
        if (!retriable || attempt >= 16) {
          if (err instanceof ConflictError) throw apiErrors.modified(this.gr(), name);
          throw err;
        }
        // The store reports a refusal only once the write that won is readable, so the next read sees it.
      }
    }
  }

  /** Whether `current` (or its absence) is still what the store holds for the key. */
  private async isStored(namespace: string, name: string, current: Current | undefined): Promise<boolean> {
    const { kv } = await this.store.get(this.key(namespace, name));
    return (kv?.modRevision ?? 0) === (current?.modRevision ?? 0);
  }

  /** A consistent page of the list (keys >= startKey) at `revision` (0 = now). */
  async listPage(namespace: string, opts: { startKey?: string; limit?: number; revision?: number }) {
    try {
      return await this.store.list(this.listPrefix(namespace), opts);
    } catch (err) {
      if (err instanceof CompactedError) throw err;
      throw err;
    }
  }

  decode(kvValue: Parameters<typeof decodeObject>[1], revision?: number): KObject {
    return decodeObject(this.def, kvValue, revision);
  }

  /** Decode in the storage version (the form watch caches hold; see conversion/). */
  decodeStored(kvValue: Parameters<typeof decodeObject>[1], revision?: number): KObject {
    return decodeStoredObject(this.def, kvValue, revision);
  }

  /** Objects arrive in def's version and are stored in the storage version. */
  private async encode(obj: KObject): Promise<string> {
    return encodeObject(this.def.asyncConversion ? await toStorageAsync(this.def, obj) : toStorage(this.def, obj));
  }

  /** What a create or update answers: the watch cache's object for it when it has it, else the decoded value. */
  private async written(kv: Parameters<typeof decodeObject>[1]): Promise<KObject> {
    // Resources with a storage version or webhook conversion serve another shape than the cache holds.
    if (this.cachedWrite && !this.def.storageVersion && !this.def.asyncConversion) {
      const cached = await this.cachedWrite(kv.key, kv.modRevision);
      if (cached) return toServed(this.def, cached);
    }
    return this.served(kv);
  }

  /** A stored value as def's version (converted by the webhook when the def has one). */
  private async served(kv: Parameters<typeof decodeObject>[1]): Promise<KObject> {
    const obj = decodeObject(this.def, kv);
    return this.def.asyncConversion ? (await toServedAsync(this.def, [obj]))[0]! : obj;
  }
}
