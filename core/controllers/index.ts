/**
 * lite's built-in controllers (kube-controller-manager's share of them) and how the server starts them.
 */
import type { ControllerDefinition } from "@lite/sdk";
import { endpointsController } from "./endpoints/endpoints-controller.ts";
import { endpointSliceController } from "./endpointslice/endpointslice-controller.ts";
import { endpointSliceMirroringController } from "./endpointslicemirroring/endpointslicemirroring-controller.ts";
import { garbageCollector } from "./garbage-collector/garbage-collector.ts";
import { deploymentController } from "./deployment/deployment-controller.ts";
import { namespaceController } from "./namespace/namespace-controller.ts";
import { resourceQuotaController } from "./resource-quota/resource-quota-controller.ts";
import { disruptionController } from "./disruption/disruption-controller.ts";
import { nodeLifecycleController } from "./node-lifecycle/node-lifecycle-controller.ts";
import { podGCController } from "./pod-gc/pod-gc-controller.ts";
import { replicaSetController, replicationControllerController } from "./replicaset/replicaset-controller.ts";
import { rootCAController } from "./root-ca/root-ca-controller.ts";
import { serviceAccountController } from "./serviceaccount/serviceaccount-controller.ts";
import { statefulSetController } from "./statefulset/statefulset-controller.ts";
import { daemonSetController } from "./daemonset/daemonset-controller.ts";
import { jobController } from "./job/job-controller.ts";
import { cronJobController } from "./cronjob/cronjob-controller.ts";
import { ttlAfterFinishedController } from "./ttl-after-finished/ttl-after-finished-controller.ts";
import { horizontalPodAutoscalerController } from "./horizontal-pod-autoscaler/hpa-controller.ts";
import { persistentVolumeBinderController } from "./persistentvolume/binder-controller.ts";
import { pvcProtectionController, pvProtectionController } from "./persistentvolume/protection-controllers.ts";
import { ephemeralVolumeController } from "./persistentvolume/ephemeral-volume-controller.ts";

export interface CoreControllerOptions {
  /** PEM of the cluster's server CA, published as kube-root-ca.crt in every namespace. */
  rootCAPem: string;
  /** The node lifecycle controller's --node-monitor-grace-period (default upstream's 40 s). */
  nodeMonitorGracePeriodMs?: number;
}

/** The core controllers, constructed fresh for one cluster. */
export function coreControllers(options: CoreControllerOptions): ControllerDefinition[] {
  return [
    namespaceController(), serviceAccountController(), rootCAController(options.rootCAPem),
    garbageCollector(), endpointsController(), endpointSliceController(), endpointSliceMirroringController(), resourceQuotaController(), disruptionController(),
    nodeLifecycleController({ gracePeriodMs: options.nodeMonitorGracePeriodMs }), podGCController(),
    deploymentController(), replicaSetController(), replicationControllerController(),
    statefulSetController(), daemonSetController(), jobController(), cronJobController(), ttlAfterFinishedController(),
    horizontalPodAutoscalerController(),
    persistentVolumeBinderController(), pvcProtectionController(), pvProtectionController(), ephemeralVolumeController(),
  ];
}

export { startControllerManager } from "./start.ts";
export type { ControllerManagerHandle, StartControllerManagerOptions } from "./start.ts";
