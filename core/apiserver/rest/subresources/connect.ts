/**
 * log/exec/attach/portforward/proxy: handed to the connect hook (the node agent path, Kubelet
 * issue). exec, attach, portforward and proxy are CONNECT operations for admission first (as
 * upstream; webhooks can refuse them), with the options object built from the query.
 */
import { runMutation, runValidation } from "../../admission/run.ts";
import { apiErrors } from "../../errors/index.ts";
import type { KObject } from "../../resources/index.ts";
import type { ApiContext, RequestScope } from "../context.ts";

export async function handleConnect(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  const cur = await ctx.resourceStore(def).mustGet(info.namespace, info.name);
  if (def.resource === "pods" && !cur.object.spec?.nodeName) {
    throw apiErrors.badRequest(`pod ${info.name} does not have a host assigned`);
  }
  const sub = def.subresources.find((s) => s.name === info.subresource);
  if (sub && info.subresource !== "log") {
    const attrs = {
      operation: "CONNECT" as const, def, namespace: info.namespace, name: info.name, subresource: info.subresource,
      object: connectOptions(sub.responseKind.kind, scope.url), dryRun: false, user: scope.user, warnings: scope.warnings,
    };
    await runMutation(ctx.admission, attrs);
    await runValidation(ctx.admission, attrs);
  }
  if (!ctx.connect) throw apiErrors.serviceUnavailable(`${def.resource}/${info.subresource} is not available: no node connection is configured`);
  return ctx.connect(scope.req, info, cur.object, scope.user);
}

/** PodExecOptions, PodAttachOptions, PodPortForwardOptions or a *ProxyOptions from the request's query. */
function connectOptions(kind: string, url: URL): KObject {
  const q = url.searchParams;
  const bool = (name: string) => q.get(name) === "true" || q.get(name) === "1";
  const obj: Record<string, unknown> = { kind, apiVersion: "v1" };
  if (kind === "PodExecOptions" || kind === "PodAttachOptions") {
    Object.assign(obj, { stdin: bool("stdin"), stdout: bool("stdout"), stderr: bool("stderr"), tty: bool("tty") });
    if (q.get("container")) obj.container = q.get("container");
    if (kind === "PodExecOptions") obj.command = q.getAll("command");
  } else if (kind === "PodPortForwardOptions") {
    const ports = q.getAll("ports").flatMap((p) => p.split(",")).map(Number).filter((n) => Number.isInteger(n));
    if (ports.length) obj.ports = ports;
  } else if (q.get("path")) {
    obj.path = q.get("path");
  }
  return obj as unknown as KObject;
}
