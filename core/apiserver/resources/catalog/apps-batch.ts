/** apps/v1, batch/v1, autoscaling/v1+v2 and policy/v1. */
import { hpaStorageVersion } from "../../conversion/hpa/storage.ts";
import { defineResource, sub } from "../define.ts";
import { hpaStrategy } from "../strategies/hpa.ts";
import { cronJobStrategy, jobStrategy } from "../strategies/job.ts";
import { daemonSetStrategy, deploymentStrategy, replicaSetStrategy, statefulSetStrategy } from "../strategies/workloads.ts";
import type { ResourceDef } from "../types.ts";

export function appsV1Resources(): ResourceDef[] {
  const gv = { group: "apps", version: "v1" };
  const status = (kind: string) => sub.status({ ...gv, kind });
  const workload = { namespaced: true, categories: ["all"], tracksGeneration: true } as const;
  return [
    defineResource({ ...gv, ...workload, resource: "deployments", kind: "Deployment", shortNames: ["deploy"], strategy: deploymentStrategy, subresources: [sub.scale(), status("Deployment")] }),
    defineResource({ ...gv, ...workload, resource: "replicasets", kind: "ReplicaSet", shortNames: ["rs"], strategy: replicaSetStrategy, subresources: [sub.scale(), status("ReplicaSet")] }),
    defineResource({ ...gv, ...workload, resource: "statefulsets", kind: "StatefulSet", shortNames: ["sts"], strategy: statefulSetStrategy, subresources: [sub.scale(), status("StatefulSet")] }),
    defineResource({ ...gv, ...workload, resource: "daemonsets", kind: "DaemonSet", shortNames: ["ds"], strategy: daemonSetStrategy, subresources: [status("DaemonSet")] }),
    defineResource({ ...gv, resource: "controllerrevisions", kind: "ControllerRevision", namespaced: true, topLevelFields: ["data", "revision"] }),
  ];
}

export function batchV1Resources(): ResourceDef[] {
  const gv = { group: "batch", version: "v1" };
  return [
    defineResource({ ...gv, resource: "jobs", kind: "Job", namespaced: true, categories: ["all"], tracksGeneration: true, strategy: jobStrategy, subresources: [sub.status({ ...gv, kind: "Job" })] }),
    defineResource({ ...gv, resource: "cronjobs", kind: "CronJob", namespaced: true, shortNames: ["cj"], categories: ["all"], tracksGeneration: true, strategy: cronJobStrategy, subresources: [sub.status({ ...gv, kind: "CronJob" })] }),
  ];
}

/** HPAs are one stored resource (autoscaling/v2) served at v2 (preferred) and v1, converted per request. */
export function autoscalingResources(): ResourceDef[] {
  const storageVersion = hpaStorageVersion();
  return ["v2", "v1"].map((version) => defineResource({
    group: "autoscaling", version, resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true,
    shortNames: ["hpa"], categories: ["all"], tracksGeneration: true, allowCreateOnUpdate: false,
    strategy: hpaStrategy(version),
    subresources: [sub.status({ group: "autoscaling", version, kind: "HorizontalPodAutoscaler" })],
    storageVersion,
  }));
}

export function policyV1Resources(): ResourceDef[] {
  const gv = { group: "policy", version: "v1" };
  return [
    defineResource({ ...gv, resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true, shortNames: ["pdb"], tracksGeneration: true, subresources: [sub.status({ ...gv, kind: "PodDisruptionBudget" })] }),
  ];
}
