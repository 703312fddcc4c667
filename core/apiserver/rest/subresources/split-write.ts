/** GET/PUT/PATCH of subresources that write one part of the parent (status, finalize, approval, ephemeralcontainers). */
import { apiErrors } from "../../errors/index.ts";
import { decodeObjectBody } from "../../request/body.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { parseWriteOptions } from "../options.ts";
import { renderObject } from "../render.ts";
import { withWarnings } from "../respond.ts";
import { objectFromBody } from "../write/decode-input.ts";
import { updateObject, type WriteMode } from "../write/update.ts";
import { fieldTrackingFor } from "../write/field-management.ts";
import { patchWithMode } from "../resource-handler.ts";

export async function handleSplitWrite(ctx: ApiContext, scope: RequestScope, mode: Exclude<WriteMode, "main" | "internal">): Promise<Response> {
  const { info, def } = scope;
  switch (info.verb) {
    case "get": {
      const cur = await ctx.resourceStore(def).mustGet(info.namespace, info.name);
      return renderObject(ctx, scope, cur.object);
    }
    case "update": {
      const opts = parseWriteOptions(scope.url);
      const { obj, warnings } = objectFromBody(def, await decodeObjectBody(scope.req, ctx.protobuf), opts.fieldValidation);
      const result = await updateObject(ctx, scope, {
        mode, dryRun: opts.dryRun, allowCreate: false, requireResourceVersion: !def.allowUnconditionalUpdate, incoming: () => structuredClone(obj),
        // managedFields record the PUT as an Update of its subresource, as upstream does.
        // (ephemeralcontainers is not tracked yet: upstream filters it to spec.ephemeralContainers.)
        tracking: mode === "ephemeralcontainers" ? undefined : fieldTrackingFor(scope, opts.fieldManager),
      });
      return withWarnings(renderObject(ctx, scope, result.object), warnings);
    }
    case "patch":
      // Upstream serves PATCH wherever the REST storage can get and update: status, CSR approval and
      // ephemeralcontainers (`kubectl debug` patches it; not yet served here for finalize).
      if (mode !== "status" && mode !== "approval" && mode !== "ephemeralcontainers") throw apiErrors.methodNotAllowed();
      return patchWithMode(ctx, scope, mode);
  }
  throw apiErrors.methodNotAllowed();
}
