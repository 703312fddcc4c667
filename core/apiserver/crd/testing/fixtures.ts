/** CRD fixtures for the in-process tests (the upstream docs' CronTab, with every feature on). */
import type { Harness } from "../../testing/harness.ts";

export function cronTabCRD(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com", scope: "Namespaced",
      names: { plural: "crontabs", singular: "crontab", kind: "CronTab", shortNames: ["ct"], categories: ["all"] },
      versions: [{
        name: "v1", served: true, storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object", description: "The desired crontab.",
                properties: {
                  cronSpec: { type: "string", pattern: "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$", description: "The cron schedule." },
                  image: { type: "string", description: "The container image." },
                  replicas: { type: "integer", minimum: 1, maximum: 10, default: 1 },
                  mode: { type: "string", enum: ["fast", "slow"] },
                  port: { "x-kubernetes-int-or-string": true },
                  tags: { type: "array", items: { type: "string", maxLength: 5 }, maxItems: 3 },
                  when: { type: "string", format: "date-time" },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                  labels: { type: "object", additionalProperties: { type: "string" } },
                  template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
                  nested: { type: "object", default: {}, properties: { level: { type: "string", default: "info" } } },
                  selector: { type: "string" },
                },
                required: ["cronSpec"],
              },
              status: {
                type: "object",
                properties: {
                  replicas: { type: "integer" },
                  conditions: { type: "array", items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" } } } },
                },
              },
            },
          },
        },
        subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".spec.selector" } },
        additionalPrinterColumns: [
          { name: "Spec", type: "string", jsonPath: ".spec.cronSpec" },
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      }],
    },
    ...overrides,
  };
}

export const CRONTABS = "/apis/stable.example.com/v1/namespaces/default/crontabs";

export function cronTab(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name }, spec: { cronSpec: "* * * * */5", image: "my-awesome-cron-image", ...spec } };
}

/** Creates the CRD and waits until its API answers (the controller runs asynchronously). */
export async function installCRD(h: Harness, crd: Record<string, any> = cronTabCRD()): Promise<any> {
  const r = await h.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  if (r.status !== 201) throw new Error(`CRD create failed: ${r.text}`);
  const v = crd.spec.versions.find((x: any) => x.served).name;
  const path = `/apis/${crd.spec.group}/${v}/${crd.spec.names.plural}`;
  for (let i = 0; i < 100; i++) {
    if ((await h.call("GET", path)).status === 200) return r.body;
    await Bun.sleep(10);
  }
  throw new Error(`${path} never served`);
}
