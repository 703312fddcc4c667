/**
 * The autoscaling/v1 Scale subresource over `.spec.replicas` (deployments, replicasets, statefulsets,
 * RCs), or over the paths a custom resource's scale subresource names.
 */
import { apiErrors, fieldErrors } from "../../errors/index.ts";
import { labelSelectorFromObject } from "../../machinery/label-selector.ts";
import { decodeObjectBody, readBodyText } from "../../request/body.ts";
import type { KObject, ScalePaths } from "../../resources/index.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { parseWriteOptions } from "../options.ts";
import { jsonResponse } from "../respond.ts";
import { applyPatch, parsePatchBody, patchTypeOf } from "../write/patch.ts";
import { updateObject } from "../write/update.ts";

function selectorString(obj: KObject): string {
  const sel = obj.spec?.selector;
  if (!sel) return "";
  if (sel.matchLabels !== undefined || sel.matchExpressions !== undefined) return labelSelectorFromObject(sel).toString();
  return Object.keys(sel).sort().map((k) => `${k}=${sel[k]}`).join(",");
}

function pathParts(path: string): string[] {
  return path.replace(/^\./, "").split(".");
}

function readPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of pathParts(path)) {
    if (!cur || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathParts(path);
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (!next || typeof next !== "object" || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

export function scaleOf(obj: KObject, paths?: ScalePaths): KObject {
  const m = obj.metadata;
  const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) ? v : 0);
  const selector = paths ? (paths.labelSelectorPath ? readPath(obj, paths.labelSelectorPath) : undefined) : selectorString(obj);
  const status: Record<string, unknown> = { replicas: int(paths ? readPath(obj, paths.statusReplicasPath) : obj.status?.replicas) };
  if (typeof selector === "string" && (selector || !paths)) status.selector = selector;
  return {
    kind: "Scale", apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: int(paths ? readPath(obj, paths.specReplicasPath) : obj.spec?.replicas) },
    status,
  };
}

export async function handleScale(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  const paths = def.subresources.find((s) => s.handler === "scale")?.scale;
  if (info.verb === "get") {
    const cur = await ctx.resourceStore(def).mustGet(info.namespace, info.name);
    return jsonResponse(scaleOf(cur.object, paths));
  }
  const opts = parseWriteOptions(scope.url);
  let input: (current: KObject) => KObject;
  if (info.verb === "update") {
    const body = (await decodeObjectBody(scope.req, ctx.protobuf)) as KObject;
    input = () => body;
  } else if (info.verb === "patch") {
    const type = patchTypeOf({ ...def, strategicMergePatch: true }, scope.req.headers.get("content-type"));
    const patch = parsePatchBody(type, await readBodyText(scope.req));
    input = (current) => applyPatch({ ...def, kind: "Scale", group: "autoscaling" }, type === "apply" ? "merge" : type, scaleOf(current, paths), patch) as KObject;
  } else {
    throw apiErrors.methodNotAllowed();
  }
  const result = await updateObject(ctx, scope, {
    mode: "main", dryRun: opts.dryRun, allowCreate: false, requireResourceVersion: false,
    incoming(current) {
      if (!current) throw apiErrors.notFound({ group: def.group, resource: def.resource }, info.name);
      const scale = input(current);
      const replicas = scale?.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw apiErrors.invalid("autoscaling", "Scale", info.name, [fieldErrors.invalid("spec.replicas", replicas ?? null, "must be greater than or equal to 0")]);
      }
      const rv = scale.metadata?.resourceVersion;
      const next = structuredClone(current);
      if (paths) writePath(next, paths.specReplicasPath, replicas);
      else next.spec = { ...(next.spec ?? {}), replicas };
      if (rv) next.metadata.resourceVersion = rv;
      return next;
    },
  });
  return jsonResponse(scaleOf(result.object, paths));
}
