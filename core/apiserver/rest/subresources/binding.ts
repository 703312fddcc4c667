/** pods/binding: assign a pending pod to a node (the scheduler's write). */
import { apiErrors, successStatus } from "../../errors/index.ts";
import { decodeObjectBody } from "../../request/body.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { parseWriteOptions } from "../options.ts";
import { jsonResponse } from "../respond.ts";
import { updateObject } from "../write/update.ts";
import { formatTime } from "../../../kube-time.ts";

export async function handleBinding(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info } = scope;
  const opts = parseWriteOptions(scope.url);
  // biome-ignore lint: JSON documents.
  const binding = (await decodeObjectBody(scope.req, ctx.protobuf)) as Record<string, any>;
  const target = binding?.target;
  if (!target?.name) throw apiErrors.invalid("", "Binding", info.name, [{ type: "FieldValueRequired", field: "target.name", body: "Required value" }]);
  if (target.kind && target.kind !== "Node") throw apiErrors.invalid("", "Binding", info.name, [{ type: "FieldValueNotSupported", field: "target.kind", body: `Unsupported value: "${target.kind}": supported values: "Node"` }]);
  await updateObject(ctx, { ...scope, info: { ...info, subresource: "" } }, {
    mode: "internal", dryRun: opts.dryRun, allowCreate: false, requireResourceVersion: false,
    incoming(current) {
      if (!current) throw apiErrors.notFound({ group: "", resource: "pods" }, info.name);
      if (current.metadata.deletionTimestamp) throw apiErrors.conflict({ group: "", resource: "pods" }, info.name, "pod is being deleted, cannot be assigned to a host");
      if (current.spec?.nodeName) {
        throw apiErrors.conflict({ group: "", resource: "pods" }, info.name, `pod ${info.name} is already assigned to node "${current.spec.nodeName}"`);
      }
      const next = structuredClone(current);
      next.spec.nodeName = target.name;
      const conds = (next.status?.conditions ?? []).filter((c: { type: string }) => c.type !== "PodScheduled");
      conds.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: formatTime(ctx.now()) });
      next.status = { ...(next.status ?? {}), conditions: conds };
      return next;
    },
  });
  return jsonResponse(successStatus(201), 201);
}
