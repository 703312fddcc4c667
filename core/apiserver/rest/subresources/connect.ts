/**
 * log/exec/attach/portforward/proxy: handed to the connect hook (the node agent path, Kubelet
 * issue), except pods/proxy and services/proxy, which the API server forwards to a pod IP itself
 * (../../proxy/workload-proxy.ts). exec, attach, portforward and proxy are CONNECT operations for
 * admission first (as upstream; webhooks can refuse them), with the options object built from the
 * query.
 */
import { queryBool } from "../../request/query-bool.ts";
import { runMutation, runValidation } from "../../admission/run.ts";
import { apiErrors } from "../../errors/index.ts";
import { podProxyLocation, proxyTargetName, proxyToLocation, serviceProxyLocation, type PodIPs } from "../../proxy/workload-proxy.ts";
import type { KObject } from "../../resources/index.ts";
import type { ApiContext, RequestScope } from "../context.ts";

export async function handleConnect(ctx: ApiContext, scope: RequestScope): Promise<Response> {
  const { info, def } = scope;
  // pods/proxy and services/proxy name their target as `[scheme:]name[:port]`.
  const workloadProxy = info.subresource === "proxy" && (def.resource === "pods" || def.resource === "services") && def.group === "";
  const name = workloadProxy ? proxyTargetName(def.resource as "pods" | "services", info.name) : info.name;
  const cur = await ctx.resourceStore(def).mustGet(info.namespace, name);
  if (def.resource === "pods" && !workloadProxy && !cur.object.spec?.nodeName) {
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
  if (workloadProxy) {
    // /api/v1/namespaces/<ns>/<pods|services>/<id>/proxy[/path]: the path as sent, still encoded.
    const path = scope.url.pathname.split("/").slice(8).map((s) => `/${s}`).join("");
    const location = def.resource === "pods"
      ? podProxyLocation(cur.object, info.name)
      : serviceProxyLocation(cur.object, await cachedEndpointSlices(ctx, info.namespace), info.name, await cachedPodIPs(ctx));
    return proxyToLocation(scope.req, location, path);
  }
  if (!ctx.connect) throw apiErrors.serviceUnavailable(`${def.resource}/${info.subresource} is not available: no node connection is configured`);
  return ctx.connect(scope.req, info, cur.object, scope.user);
}

/** A namespace's EndpointSlices from the watch cache (none when the API is not served). */
async function cachedEndpointSlices(ctx: ApiContext, namespace: string): Promise<readonly KObject[]> {
  const def = ctx.registry.find("discovery.k8s.io", "v1", "endpointslices");
  if (!def) return [];
  const cache = ctx.watchCache(def);
  await cache.ready;
  return cache.snapshot(ctx.resourceStore(def).listPrefix(namespace)).items.map((i) => i.object);
}

/** Pods' IPs (status.podIPs) from the pods watch cache. */
async function cachedPodIPs(ctx: ApiContext): Promise<PodIPs> {
  const def = ctx.registry.find("", "v1", "pods")!;
  const cache = ctx.watchCache(def);
  await cache.ready;
  return (namespace, name) => {
    const pod = cache.get(ctx.resourceStore(def).key(namespace, name));
    return pod ? ((pod.status?.podIPs ?? []) as { ip: string }[]).map((i) => i.ip) : undefined;
  };
}

/** PodExecOptions, PodAttachOptions, PodPortForwardOptions or a *ProxyOptions from the request's query. */
function connectOptions(kind: string, url: URL): KObject {
  const q = url.searchParams;
  const bool = (name: string) => queryBool(q, name);
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
