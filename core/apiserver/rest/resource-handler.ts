/**
 * Serving one resource request: verb dispatch for the main resource and its subresources.
 * Every returned object carries kind and apiVersion.
 */
import { apiErrors, successStatus } from "../errors/index.ts";
import { decodeObjectBody, decodeOptionalJsonBody, readBodyText } from "../request/body.ts";
import { cloneJson } from "../machinery/json-value.ts";
import { apiVersionOf, type KObject } from "../resources/index.ts";
import { toServed, toServedAsync } from "../conversion/convert.ts";
import type { ApiContext, RequestScope } from "./context.ts";
import { parseListOptions, parseWriteOptions } from "./options.ts";
import { listObjects } from "./read/list.ts";
import { watchObjects } from "./read/watch.ts";
import { handleReadOnly } from "./read-only.ts";
import { negotiate, renderList, renderObject, watchEncoder } from "./render.ts";
import { withWarnings } from "./respond.ts";
import { handleSubresource } from "./subresources/index.ts";
import { fieldTrackingFor, serverSideApply } from "./write/field-management.ts";
import { createObject } from "./write/create.ts";
import { objectFromBody } from "./write/decode-input.ts";
import { checkApplyDuplicates, checkApplyTypable } from "./field-validation.ts";
import { deleteObject, parseDeleteOptions } from "./write/delete.ts";
import { applyPatch, parsePatchBody, patchTypeOf } from "./write/patch.ts";
import { updateObject } from "./write/update.ts";

export async function handleResourceRequest(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  if (def.readOnly) return handleReadOnly(ctx, scope);
  if (info.subresource) return handleSubresource(ctx, scope);
  if (!def.verbs.includes(info.verb as never)) throw apiErrors.methodNotAllowed();
  if (def.namespaced === false && info.namespace && info.resource !== "namespaces") throw apiErrors.pathNotFound();
  switch (info.verb) {
    case "get": return getOne(ctx, scope);
    case "list": return list(ctx, scope);
    case "watch": {
      const opts = parseListOptions(scope.url);
      return watchObjects(ctx, scope, opts, watchEncoder(ctx, scope, opts.includeObject));
    }
    case "create": return create(ctx, scope);
    case "update": return update(ctx, scope);
    case "patch": return patch(ctx, scope);
    case "delete": return remove(ctx, scope);
    case "deletecollection": return deleteCollection(ctx, scope);
  }
  throw apiErrors.methodNotAllowed();
}

async function getOne(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  const rv = scope.url.searchParams.get("resourceVersion") ?? "";
  let obj: KObject | undefined;
  if (rv === "0") {
    const cache = ctx.watchCache(def);
    await cache.ready;
    const cached = cache.get(ctx.resourceStore(def).key(info.namespace, info.name));
    obj = !cached ? undefined : def.asyncConversion ? (await toServedAsync(def, [cached]))[0] : toServed(def, cached);
  } else {
    obj = (await ctx.resourceStore(def).get(info.namespace, info.name))?.object;
  }
  if (!obj) throw apiErrors.notFound({ group: def.group, resource: def.resource }, info.name);
  return renderObject(ctx, scope, obj, 200, {}, parseListOptions(scope.url).includeObject);
}

async function list(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const opts = parseListOptions(scope.url);
  const result = await listObjects(ctx, scope, opts);
  return renderList(ctx, scope, result, opts.includeObject);
}

async function create(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  if (scope.info.name) throw apiErrors.methodNotAllowed();
  const opts = parseWriteOptions(scope.url);
  const body = await decodeObjectBody(scope.req, ctx.protobuf);
  const { obj, warnings } = objectFromBody(scope.def, body, opts.fieldValidation);
  if (scope.def.createOnly) {
    negotiate(scope.req, scope.def); // as upstream, a representation the kind cannot answer in fails (406) before the review runs
    const answer = await scope.def.createOnly(obj, { user: scope.user, namespace: scope.info.namespace });
    return withWarnings(renderObject(ctx, scope, answer, 201), warnings);
  }
  const { object } = await createObject(ctx, scope, obj, opts.dryRun, fieldTrackingFor(scope, opts.fieldManager));
  return withWarnings(renderObject(ctx, scope, object, 201), warnings);
}

async function update(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const opts = parseWriteOptions(scope.url);
  const body = await decodeObjectBody(scope.req, ctx.protobuf);
  const { obj, warnings } = objectFromBody(scope.def, body, opts.fieldValidation);
  const result = await updateObject(ctx, scope, {
    mode: "main", dryRun: opts.dryRun, allowCreate: scope.def.allowCreateOnUpdate,
    requireResourceVersion: !scope.def.allowUnconditionalUpdate,
    tracking: fieldTrackingFor(scope, opts.fieldManager),
    incoming: () => cloneJson(obj), // a decoded body is plain JSON
  });
  return withWarnings(renderObject(ctx, scope, result.object, result.created ? 201 : 200), warnings);
}

/** Shared by the main resource and the status subresource. */
export async function patchWithMode(ctx: ApiContext, scope: RequestScope, mode: "main" | "status" | "approval" | "ephemeralcontainers"): Promise<Response> {
  const opts = parseWriteOptions(scope.url);
  const type = patchTypeOf(scope.def, scope.req.headers.get("content-type"));
  const patchText = await readBodyText(scope.req);
  const patchBody = parsePatchBody(type, patchText);
  if (type === "apply" && !opts.fieldManager) throw apiErrors.badRequest("PATCH request to server-side apply requires fieldManager");
  const warnings: string[] = [];
  const tracking = { ...fieldTrackingFor(scope, opts.fieldManager), alreadyTracked: type === "apply" };
  const result = await updateObject(ctx, scope, {
    mode, dryRun: opts.dryRun, allowCreate: type === "apply" && mode === "main", requireResourceVersion: false,
    // ephemeralcontainers writes are not field-tracked yet (as its PUT), except what apply needs.
    tracking: mode === "ephemeralcontainers" && type !== "apply" ? undefined : tracking,
    incoming(current) {
      warnings.length = 0;
      if (type === "apply") {
        // As upstream: the applied configuration must be typable (custom resources), its fields are
        // validated (Strict rejects unknown ones), it is merged with ownership, and only then are
        // keys its text repeats reported (Strict: 400; Warn: warnings).
        checkApplyTypable(scope.def, patchBody as Record<string, unknown>);
        const { obj: applied, warnings: w } = objectFromBody(scope.def, structuredClone(patchBody), opts.fieldValidation);
        warnings.push(...w);
        const merged = serverSideApply(scope, tracking, current, applied, opts.force, ctx.now());
        warnings.push(...checkApplyDuplicates(patchText, opts.fieldValidation));
        return merged;
      }
      if (!current) {
        const { obj, warnings: w } = objectFromBody(scope.def, structuredClone(patchBody), opts.fieldValidation);
        warnings.push(...w);
        return obj;
      }
      const patched = applyPatch(scope.def, type, current, patchBody);
      const { obj, warnings: w } = objectFromBody(scope.def, patched, opts.fieldValidation);
      warnings.push(...w);
      return obj;
    },
  });
  return withWarnings(renderObject(ctx, scope, result.object, result.created ? 201 : 200), warnings);
}

function patch(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  return patchWithMode(ctx, scope, "main");
}

function deletedResponse(ctx: ApiContext, scope: RequestScope, obj: KObject, deleted: boolean): Response {
  const { def } = scope;
  if (!deleted || def.returnDeletedObject) return renderObject(ctx, scope, obj, 200);
  const details: Record<string, string> = { name: obj.metadata.name ?? "" };
  if (def.group) details.group = def.group;
  details.kind = def.resource;
  if (obj.metadata.uid) details.uid = obj.metadata.uid;
  return new Response(JSON.stringify({ ...successStatus(200), details }), { status: 200, headers: { "Content-Type": "application/json" } });
}

async function remove(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const opts = parseDeleteOptions(await decodeOptionalJsonBody(scope.req), scope.url);
  const result = await deleteObject(ctx, scope, scope.info.name, opts);
  return deletedResponse(ctx, scope, result.object, result.deleted);
}

async function deleteCollection(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const opts = parseDeleteOptions(await decodeOptionalJsonBody(scope.req), scope.url);
  const listOpts = parseListOptions(scope.url);
  const listed = await listObjects(ctx, scope, { ...listOpts, limit: 0, continueToken: "", resourceVersion: "" });
  const items: KObject[] = [];
  for (const item of listed.items) {
    const itemScope = { ...scope, info: { ...scope.info, namespace: item.metadata.namespace ?? "", name: item.metadata.name ?? "" } };
    try {
      const r = await deleteObject(ctx, itemScope, item.metadata.name ?? "", opts);
      items.push(r.object);
    } catch (err) {
      if (!(err instanceof Error && "reason" in err && (err as { reason: string }).reason === "NotFound")) throw err;
    }
  }
  return renderList(ctx, scope, { items, resourceVersion: String(ctx.store.currentRevision()), continueToken: "" }, "Metadata");
}

export { apiVersionOf };
