/** The built-in catalog: every resource of issue 3's API surface, in upstream group priority order. */
import type { ResourceDef } from "../types.ts";
import { appsV1Resources, autoscalingResources, batchV1Resources, policyV1Resources } from "./apps-batch.ts";
import { admissionregistrationV1Resources, apiregistrationV1Resources, flowcontrolV1Resources, miscGroupResources, networkingV1Resources, rbacV1Resources, storageV1Resources } from "./cluster-groups.ts";
import { coreV1Resources } from "./core-v1.ts";

/** Group order of `/apis` (kube-apiserver's group priorities; the aggregator puts its own group first). */
export const GROUP_ORDER: readonly string[] = [
  "", "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch",
  "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
  "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io",
  "flowcontrol.apiserver.k8s.io",
];

/** A fresh list of built-in resource definitions (no shared state between servers). */
export function builtinResources(): ResourceDef[] {
  return [
    ...coreV1Resources(), ...appsV1Resources(), ...batchV1Resources(), ...autoscalingResources(), ...policyV1Resources(),
    ...networkingV1Resources(), ...storageV1Resources(), ...rbacV1Resources(), ...admissionregistrationV1Resources(),
    ...apiregistrationV1Resources(), ...miscGroupResources(), ...flowcontrolV1Resources(),
  ];
}
