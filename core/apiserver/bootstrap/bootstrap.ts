/**
 * First-start objects: the four system namespaces and the `kubernetes` Service in default
 * (ClusterIP = first IP of the service CIDR). Idempotent: existing objects are left alone.
 * Writes go through the normal create pipeline (defaults, admission, allocation).
 * Then the APIServices of the served group-versions (api-services.ts) and the API Priority and Fairness
 * configuration (flow-control.ts), both kept up to date while the server runs.
 */
import { ApiError } from "../errors/index.ts";
import type { KObject, ResourceDef } from "../resources/index.ts";
import type { ApiContext } from "../rest/context.ts";
import { createObject } from "../rest/write/create.ts";
import { registerAPIServices } from "./api-services.ts";
import { maintainFlowControlConfiguration } from "./flow-control.ts";
import { bootstrapScope } from "./scope.ts";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

export interface BootstrapOptions {
  readonly kubernetesServiceIP: string;
  /** targetPort of the `kubernetes` Service (the HTTPS port). */
  readonly securePort: number;
}

async function ensure(ctx: ApiContext, def: ResourceDef, obj: KObject): Promise<void> {
  const ns = obj.metadata.namespace ?? "";
  const name = obj.metadata.name ?? "";
  if (await ctx.resourceStore(def).get(ns, name)) return;
  try {
    await createObject(ctx, bootstrapScope(def, "create", ns, ""), obj, false);
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
  await registerAPIServices(ctx);
  await maintainFlowControlConfiguration(ctx);
}
