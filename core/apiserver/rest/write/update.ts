/**
 * The update pipeline shared by PUT, PATCH and the write subresources: build the incoming
 * object from the current one, check the resourceVersion precondition, combine according to
 * the write mode (main resource vs status etc.), carry system metadata, default, bump
 * generation, validate, admit, then CAS-write, delete (last finalizer gone), or skip (no-op).
 */
import { abortAdmission, commitAdmission, notifyDeleted, runValidation } from "../../admission/run.ts";
import type { AdmissionAttributes } from "../../admission/types.ts";
import { ApiError, apiErrors } from "../../errors/index.ts";
import { cloneJson } from "../../machinery/json-value.ts";
import type { KObject, StatusMetadataPolicy } from "../../resources/index.ts";
import type { Current, ResourceStore } from "../../storage/resource-store.ts";
import { toServed } from "../../conversion/convert.ts";
import { validateObjectMetaUpdate } from "../../validation/metadata.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { createObject } from "./create.ts";
import { runMutationKeepingManagedFields, trackUpdate, type FieldTracking } from "./field-management.ts";
import { carryUpdateMeta, sameObject, specOf } from "./object-meta.ts";

/**
 * Which part of the object a write may change. `internal` takes the incoming object whole
 * without the kind's update rules (server-side writes such as pods/binding).
 */
export type WriteMode = "main" | "status" | "finalize" | "approval" | "ephemeralcontainers" | "internal";

export interface UpdateRequest {
  readonly mode: WriteMode;
  readonly dryRun: boolean;
  /** PUT-style create when the object is missing (and the kind allows it / apply). */
  readonly allowCreate: boolean;
  /** Require metadata.resourceVersion in the incoming object (PUT on kinds without unconditional update). */
  readonly requireResourceVersion: boolean;
  /**
   * false: a server-side write upstream makes straight to storage, without admission (pods/eviction's
   * DisruptionTarget condition; the eviction request itself was admitted). Default true.
   */
  readonly admission?: boolean;
  /** Who writes, for managedFields (absent: internal writes that upstream does not track). */
  readonly tracking?: FieldTracking;
  /** Produce the incoming object from the current one (a private copy; undefined when absent). */
  incoming(current: KObject | undefined): Promise<KObject> | KObject;
}

export interface UpdateResult {
  readonly object: KObject;
  readonly created: boolean;
  readonly deleted: boolean;
}

function combine(mode: WriteMode, incoming: KObject, old: KObject, statusMetadata: StatusMetadataPolicy = "kept"): KObject {
  switch (mode) {
    case "main":
    case "internal": return incoming;
    case "status": {
      if (statusMetadata === "reset") {
        return { ...cloneJson(old), status: incoming.status, metadata: { ...cloneJson(old.metadata), managedFields: incoming.metadata.managedFields ?? old.metadata.managedFields } };
      }
      const metadata = incoming.metadata;
      for (const field of statusMetadata === "kept" ? [] : statusMetadata.reset) {
        if (old.metadata[field] === undefined) delete metadata[field];
        else (metadata as Record<string, unknown>)[field] = cloneJson(old.metadata[field]);
      }
      return { ...cloneJson(old), status: incoming.status, metadata };
    }
    case "finalize": {
      const obj = structuredClone(old);
      obj.spec = { ...(obj.spec ?? {}), finalizers: incoming.spec?.finalizers ?? [] };
      return obj;
    }
    case "approval": {
      // Upstream csrApprovalStrategy: the spec and the certificate stay, the conditions and the
      // object metadata (labels, annotations) are written.
      const obj = structuredClone(old);
      obj.metadata = incoming.metadata;
      obj.status = { ...(obj.status ?? {}), conditions: incoming.status?.conditions ?? [] };
      return obj;
    }
    case "ephemeralcontainers": {
      const obj = structuredClone(old);
      obj.spec = { ...(obj.spec ?? {}), ephemeralContainers: incoming.spec?.ephemeralContainers ?? [] };
      return obj;
    }
  }
}

function checkIdentity(scope: RequestScope, obj: KObject): void {
  const { info, def } = scope;
  if (!obj.metadata.name) obj.metadata.name = info.name;
  else if (obj.metadata.name !== info.name) {
    throw apiErrors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`);
  }
  if (def.namespaced) {
    if (obj.metadata.namespace && obj.metadata.namespace !== info.namespace) {
      throw apiErrors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    obj.metadata.namespace = info.namespace;
  } else {
    delete obj.metadata.namespace;
  }
}

/** Deleting objects are removed once no finalizer (metadata or kind-specific) and no grace period remains. */
export function readyToDelete(scope: RequestScope, obj: KObject): boolean {
  const m = obj.metadata;
  if (!m.deletionTimestamp) return false;
  if ((m.finalizers ?? []).length > 0) return false;
  if (scope.def.strategy.pendingFinalization?.(obj)) return false;
  return (m.deletionGracePeriodSeconds ?? 0) === 0;
}

/**
 * The watch cache's copy of the object as a first guess at the current one (no store read and no
 * JSON decode), or undefined. It may be stale: guaranteedUpdate then retries on a fresh read (a CAS
 * against a stale revision fails), so the outcome is as with a store read. It is shared and frozen.
 */
function cachedCurrent(ctx: ApiContext, scope: RequestScope, rs: ResourceStore): Current | undefined {
  if (scope.def.asyncConversion) return undefined; // its objects need the webhook: read through the store
  const cache = ctx.watchCache(scope.def);
  if (!cache.isReady) return undefined;
  const cached = cache.get(rs.key(scope.info.namespace, scope.info.name));
  if (!cached) return undefined;
  return { object: toServed(scope.def, cached), modRevision: Number(cached.metadata.resourceVersion) };
}

export async function updateObject(ctx: ApiContext, scope: RequestScope, request: UpdateRequest): Promise<UpdateResult> {
  const { def, info } = scope;
  const gr = { group: def.group, resource: def.resource };
  const rs = ctx.resourceStore(def);
  const pending: AdmissionAttributes[] = [];
  const sctx = { now: ctx.now(), namespace: info.namespace };
  for (let attempt = 0; ; attempt++) {
    const probe = (attempt === 0 ? cachedCurrent(ctx, scope, rs) : undefined) ?? await rs.get(info.namespace, info.name);
    if (!probe) {
      if (!request.allowCreate) throw apiErrors.notFound(gr, info.name);
      const input = await request.incoming(undefined);
      checkIdentity(scope, input);
      delete input.metadata.resourceVersion;
      try {
        const { object } = await createObject(ctx, scope, input, request.dryRun, request.tracking);
        return { object, created: true, deleted: false };
      } catch (err) {
        if (attempt < 3 && err instanceof ApiError && err.reason === "AlreadyExists") continue;
        throw err;
      }
    }
    try {
      const result = await rs.guaranteedUpdate(info.namespace, info.name, async (current: Current | undefined) => {
        if (!current) throw apiErrors.notFound(gr, info.name);
        const old = current.object;
        // cloneJson, not structuredClone: stored objects are plain JSON, and it is ~6x cheaper.
        const incoming = await request.incoming(cloneJson(old));
        const rv = incoming.metadata.resourceVersion;
        if (rv && rv !== old.metadata.resourceVersion) throw apiErrors.modified(gr, info.name);
        if (!rv && request.requireResourceVersion) {
          throw apiErrors.invalid(def.group, def.kind, info.name, [{ type: "FieldValueInvalid", field: "metadata.resourceVersion", body: "Invalid value: 0x0: must be specified for an update" }]);
        }
        checkIdentity(scope, incoming);
        if (incoming.metadata.uid && incoming.metadata.uid !== old.metadata.uid) {
          throw apiErrors.conflict(gr, info.name, `Precondition failed: UID in precondition: ${incoming.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
        }
        const obj = combine(request.mode, incoming, old, def.strategy.statusMetadata);
        obj.apiVersion = old.apiVersion;
        obj.kind = old.kind;
        carryUpdateMeta(obj, old);
        def.strategy.defaults?.(obj, sctx);
        if (request.mode === "main") {
          // A copy: prepareForUpdate may change the status (the CRD strategy records stored versions), and `old` is the cache's frozen object.
          if (def.statusSplit) { if (old.status === undefined) delete obj.status; else obj.status = cloneJson(old.status); }
          def.strategy.prepareForUpdate?.(obj, old, sctx);
        }
        // managedFields before mutating admission, as upstream's update and patch handlers record
        // them (fieldmanager transform, then admission): what admission adds is owned by no one.
        trackUpdate(scope, request.tracking, old, obj, ctx.now());
        // Mutating admission before validation, so what webhooks change is validated too.
        const attrs: AdmissionAttributes = {
          operation: "UPDATE", def, namespace: info.namespace, name: info.name, subresource: info.subresource,
          object: obj, oldObject: old, dryRun: request.dryRun, user: scope.user, warnings: scope.warnings,
        };
        const admit = request.admission !== false;
        if (admit) {
          pending.push(attrs);
          await runMutationKeepingManagedFields(ctx.admission, attrs);
        }
        if (def.tracksGeneration && specOf(obj) !== specOf(old)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
        const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata)];
        if (request.mode === "main") errs.push(...(def.strategy.validateUpdate?.(obj, old, sctx) ?? def.strategy.validate?.(obj, sctx) ?? []));
        if (request.mode === "status") errs.push(...(def.strategy.validateStatusUpdate?.(obj, old, sctx) ?? []));
        if (errs.length > 0) throw apiErrors.invalid(def.group, def.kind, info.name, errs);
        if (admit) await runValidation(ctx.admission, attrs);
        obj.metadata.resourceVersion = old.metadata.resourceVersion;
        if (sameObject(obj, old)) return { action: "none" };
        if (readyToDelete(scope, obj)) return request.dryRun ? { action: "none" } : { action: "delete" };
        if (request.dryRun) throw new DryRunResult(obj);
        return { action: "update", object: obj };
      }, probe); // the probe just read is the first attempt's current (stale: retried on a fresh read)
      const last = pending.pop();
      for (const a of pending) abortAdmission(ctx.admission, a);
      if (last) {
        if (result.deleted && result.object) { abortAdmission(ctx.admission, last); notifyDeleted(ctx.admission, def, result.object); }
        else if (result.object) commitAdmission(ctx.admission, last, result.object);
      }
      const object = result.object ?? probe.object;
      return { object, created: false, deleted: result.deleted };
    } catch (err) {
      for (const a of pending) abortAdmission(ctx.admission, a);
      if (err instanceof DryRunResult) return { object: err.object, created: false, deleted: false };
      throw err;
    }
  }
}

/** Carries a dry-run result out of the CAS loop without writing. */
class DryRunResult extends Error {
  constructor(readonly object: KObject) { super("dry run"); }
}
