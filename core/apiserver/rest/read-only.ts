/**
 * get and list of read-only kinds served by plugins (plugin-groups/): the objects come from the
 * plugin's handlers, are filtered by the label and field selectors, and render like stored ones
 * (JSON, Table, metadata). Every other verb, watch included, and every subresource is refused.
 */
import { apiErrors } from "../errors/index.ts";
import type { ApiContext, RequestScope } from "./context.ts";
import { parseListOptions } from "./options.ts";
import { buildPredicate } from "./read/predicate.ts";
import { renderList, renderObject } from "./render.ts";

export async function handleReadOnly(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  const source = def.readOnly;
  if (!source) throw new Error(`${def.resource} is not a read-only kind`);
  if (info.subresource) throw apiErrors.pathNotFound();
  if (def.namespaced === false && info.namespace) throw apiErrors.pathNotFound();
  if (info.verb !== "get" && info.verb !== "list") throw apiErrors.methodNotAllowed();
  const opts = parseListOptions(scope.url);
  const request = { namespace: def.namespaced ? info.namespace : "", labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, user: scope.user };
  if (info.verb === "get") {
    const obj = await source.get(info.name, request);
    if (!obj) throw apiErrors.notFound({ group: def.group, resource: def.resource }, info.name);
    return renderObject(ctx, scope, obj, 200, {}, opts.includeObject);
  }
  const predicate = buildPredicate(def, opts.labelSelector, opts.fieldSelector);
  const items = (await source.list(request)).filter((o) =>
    (!def.namespaced || !info.namespace || o.metadata.namespace === info.namespace) && predicate.matches(o));
  return renderList(ctx, scope, { items, resourceVersion: "", continueToken: "" }, opts.includeObject);
}
