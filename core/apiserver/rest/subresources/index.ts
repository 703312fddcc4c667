/** Subresource dispatch: status, scale, binding, eviction, token, finalize, approval, ephemeralcontainers, connect. */
import { apiErrors } from "../../errors/index.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { handleBinding } from "./binding.ts";
import { handleConnect } from "./connect.ts";
import { handleEviction } from "./eviction.ts";
import { handleScale } from "./scale.ts";
import { handleSplitWrite } from "./split-write.ts";
import { handleToken } from "./token.ts";

export async function handleSubresource(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  const sub = def.subresources.find((s) => s.name === info.subresource);
  if (!sub || !info.name) throw apiErrors.pathNotFound();
  const verbOk = sub.handler === "connect" || sub.verbs.includes(info.verb);
  if (!verbOk) throw apiErrors.methodNotAllowed();
  switch (sub.handler) {
    case "status":
    case "finalize":
    case "approval":
    case "ephemeralcontainers":
      return handleSplitWrite(ctx, scope, sub.handler);
    case "scale": return handleScale(ctx, scope);
    case "binding": return handleBinding(ctx, scope);
    case "eviction": return handleEviction(ctx, scope);
    case "token": return handleToken(ctx, scope);
    case "connect": return handleConnect(ctx, scope);
  }
}
