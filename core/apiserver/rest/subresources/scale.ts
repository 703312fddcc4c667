/** The autoscaling/v1 Scale subresource over `.spec.replicas` (deployments, replicasets, statefulsets, RCs). */
import { apiErrors, fieldErrors } from "../../errors/index.ts";
import { labelSelectorFromObject } from "../../machinery/label-selector.ts";
import { decodeObjectBody, readBodyText } from "../../request/body.ts";
import type { KObject } from "../../resources/index.ts";
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

export function scaleOf(obj: KObject): KObject {
  const m = obj.metadata;
  return {
    kind: "Scale", apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj) },
  };
}

export async function handleScale(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  if (info.verb === "get") {
    const cur = await ctx.resourceStore(def).mustGet(info.namespace, info.name);
    return jsonResponse(scaleOf(cur.object));
  }
  const opts = parseWriteOptions(scope.url);
  let input: (current: KObject) => KObject;
  if (info.verb === "update") {
    const body = (await decodeObjectBody(scope.req, ctx.protobuf)) as KObject;
    input = () => body;
  } else if (info.verb === "patch") {
    const type = patchTypeOf({ ...def, strategicMergePatch: true }, scope.req.headers.get("content-type"));
    const patch = parsePatchBody(type, await readBodyText(scope.req));
    input = (current) => applyPatch({ ...def, kind: "Scale", group: "autoscaling" }, type === "apply" ? "merge" : type, scaleOf(current), patch) as KObject;
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
      next.spec = { ...(next.spec ?? {}), replicas };
      if (rv) next.metadata.resourceVersion = rv;
      return next;
    },
  });
  return jsonResponse(scaleOf(result.object));
}
