/** The kubelet's view of a pod's QoS class (the computation is apiserver/machinery/pod-qos.ts). */
import { computePodQos, type QosClass } from "../../../apiserver/machinery/pod-qos.ts";
import type { Pod } from "./types.ts";

export type { QosClass };

export function qosClass(pod: Pod): QosClass {
  return computePodQos(pod.spec);
}

/** The class the pod's status already records, else the computed one (upstream GetPodQOS). */
export function podQos(pod: Pod): QosClass {
  const recorded = pod.status?.qosClass;
  return recorded === "Guaranteed" || recorded === "Burstable" || recorded === "BestEffort" ? recorded : qosClass(pod);
}
