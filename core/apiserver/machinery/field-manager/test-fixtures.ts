// Shared test fixtures: a Deployment and the list/map semantics of its fields
// (k8s.io/api apps/v1 tags and OpenAPI extensions).

import type { FieldManagerSchema, FieldSchemaInfo } from "./schema.ts";

const table: Record<string, FieldSchemaInfo> = {
  "spec.selector": { mapType: "atomic" },
  "spec.template.spec.containers": { strategy: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] },
  "spec.template.spec.containers.ports": { strategy: "merge", mergeKey: "containerPort", listType: "map", mapKeys: ["containerPort", "protocol"] },
  "spec.template.spec.containers.env": { strategy: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] },
  "metadata.finalizers": { strategy: "merge" },
};

export const deploymentSchema: FieldManagerSchema = { lookup: (path) => table[path.join(".")] };

export const T0 = "2025-01-01T00:00:00Z";
export const T1 = "2025-01-01T00:01:00Z";
export const T2 = "2025-01-01T00:02:00Z";

/** A Deployment manifest as `kubectl apply --server-side` sends it. */
export function deployment(opts: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: object[] } = {}): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: opts.containers ?? [{ name: "nginx", image: opts.image ?? "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }] }],
      },
    },
  };
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: opts.labels ?? { app: "web" } },
    spec: { ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}), ...spec },
  };
}
