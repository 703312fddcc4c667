/**
 * First-start objects: the four system namespaces and the `kubernetes` Service in default
 * (ClusterIP = first IP of the service CIDR). Idempotent: existing objects are left alone.
 * Writes go through the normal create pipeline (defaults, admission, allocation).
 */
import { ApiError } from "../errors/index.ts";
import type { KObject, ResourceDef } from "../resources/index.ts";
import type { ApiContext, RequestScope } from "../rest/context.ts";
import { createObject } from "../rest/write/create.ts";
import type { RequestInfo } from "../request/request-info.ts";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

export interface BootstrapOptions {
  readonly kubernetesServiceIP: string;
  /** targetPort of the `kubernetes` Service (the HTTPS port). */
  readonly securePort: number;
}

function scopeFor(def: ResourceDef, namespace: string, name: string): RequestScope {
  const info: RequestInfo = {
    isResourceRequest: true, path: "", verb: "create", apiPrefix: "api", group: def.group, version: def.version,
    namespace, resource: def.resource, name, subresource: "", rest: [],
  };
  return { req: new Request("http://bootstrap/"), url: new URL("http://bootstrap/"), info, def, user: { username: "system:apiserver", groups: ["system:masters"] } };
}

async function ensure(ctx: ApiContext, def: ResourceDef, obj: KObject): Promise<void> {
  const ns = obj.metadata.namespace ?? "";
  const name = obj.metadata.name ?? "";
  if (await ctx.resourceStore(def).get(ns, name)) return;
  try {
    await createObject(ctx, scopeFor(def, ns, ""), obj, false);
  } catch (err) {
    if (err instanceof ApiError && err.reason === "AlreadyExists") return;
    throw err;
  }
}

export async function bootstrapCluster(ctx: ApiContext, opts: BootstrapOptions): Promise<void> {
  const namespaces = ctx.registry.find("", "v1", "namespaces");
  const services = ctx.registry.find("", "v1", "services");
  if (!namespaces || !services) throw new Error("core/v1 namespaces and services must be served");
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(ctx, namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  await ensure(ctx, services, {
    apiVersion: "v1", kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: {
      type: "ClusterIP", clusterIP: opts.kubernetesServiceIP, sessionAffinity: "None",
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: opts.securePort }],
    },
  });
}
