/** Row cells of the storage, networking, autoscaling and misc printers against upstream printers.go (1.32). */
import { expect, test } from "bun:test";
import type { KObject } from "../resources/types.ts";
import {
  controllerRevisionPrinter, cronJobPrinter, flowSchemaPrinter, formatHPAMetrics, horizontalPodAutoscalerPrinter, leasePrinter, podDisruptionBudgetPrinter,
  priorityClassPrinter, priorityLevelConfigurationPrinter, roleBindingPrinter,
} from "./cluster-printers.ts";
import {
  endpointSlicePrinter, endpointsPrinter, formatDiscoveryEndpoints, formatDiscoveryPorts, formatEndpoints, formatIngressHosts, ingressClassPrinter, ingressPrinter,
} from "./network-printers.ts";
import {
  accessModesText, csiNodePrinter, limitRangePrinter, persistentVolumeClaimPrinter, persistentVolumePrinter, resourceQuotaPrinter, storageClassPrinter,
} from "./storage-printers.ts";
import type { TablePrinter } from "./types.ts";

const now = new Date("2025-01-01T01:00:00Z");
const created = "2025-01-01T00:00:00Z"; // 60m before `now`
// biome-ignore lint: test fixtures.
const obj = (o: Record<string, any>, meta: Record<string, any> = {}): KObject => ({ ...o, metadata: { name: "x", creationTimestamp: created, ...meta } });
const names = (p: TablePrinter) => p.columns.map((c) => c.name);
const wide = (p: TablePrinter) => p.columns.filter((c) => c.priority > 0).map((c) => c.name);

test("PersistentVolume columns and cells: capacity, modes, claim, class, <unset> VAC and volume mode", () => {
  expect(names(persistentVolumePrinter)).toEqual(["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"]);
  expect(wide(persistentVolumePrinter)).toEqual(["VolumeMode"]);
  const pv = obj({
    spec: { capacity: { storage: "1024Mi" }, accessModes: ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", claimRef: { namespace: "default", name: "data" }, storageClassName: "local-path", volumeMode: "Filesystem" },
    status: { phase: "Bound" },
  }, { name: "pvc-1" });
  expect(persistentVolumePrinter.cells(pv, now)).toEqual(["pvc-1", "1Gi", "RWO,RWX", "Delete", "Bound", "default/data", "local-path", "<unset>", "", "60m", "Filesystem"]);
  const bare = obj({ spec: { volumeAttributesClassName: "gold" } }, { annotations: { "volume.beta.kubernetes.io/storage-class": "beta" }, deletionTimestamp: created });
  expect(persistentVolumePrinter.cells(bare, now)).toEqual(["x", "0", "", "", "Terminating", "", "beta", "gold", "", "60m", "<unset>"]);
  expect(accessModesText(["ReadWriteOncePod", "ReadOnlyMany"])).toBe("ROX,RWOP");
});

test("PersistentVolumeClaim: capacity and modes from status only once bound", () => {
  expect(names(persistentVolumeClaimPrinter)).toEqual(["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"]);
  expect(wide(persistentVolumeClaimPrinter)).toEqual(["VolumeMode"]);
  const pending = obj({ spec: { resources: { requests: { storage: "1Gi" } }, accessModes: ["ReadWriteOnce"], storageClassName: "local-path" }, status: { phase: "Pending" } }, { name: "data" });
  expect(persistentVolumeClaimPrinter.cells(pending, now)).toEqual(["data", "Pending", "", "", "", "local-path", "<unset>", "60m", "<unset>"]);
  const bound = obj({
    spec: { volumeName: "pvc-1", storageClassName: "local-path", volumeMode: "Block" },
    status: { phase: "Bound", capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"], currentVolumeAttributesClassName: "gold" },
  }, { name: "data" });
  expect(persistentVolumeClaimPrinter.cells(bound, now)).toEqual(["data", "Bound", "pvc-1", "2Gi", "RWO", "local-path", "gold", "60m", "Block"]);
});

test("StorageClass: (default) suffix from either annotation, upstream fallbacks for unset fields", () => {
  expect(names(storageClassPrinter)).toEqual(["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"]);
  const sc = obj({ provisioner: "rancher.io/local-path", reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true }, { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } });
  expect(storageClassPrinter.cells(sc, now)).toEqual(["local-path (default)", "rancher.io/local-path", "Retain", "WaitForFirstConsumer", true, "60m"]);
  const beta = obj({ provisioner: "p" }, { name: "b", annotations: { "storageclass.beta.kubernetes.io/is-default-class": "true" } });
  expect(storageClassPrinter.cells(beta, now)).toEqual(["b (default)", "p", "Delete", "Immediate", false, "60m"]);
  expect(storageClassPrinter.cells(obj({ provisioner: "p" }, { annotations: { "storageclass.kubernetes.io/is-default-class": "false" } }), now)[0]).toBe("x");
});

test("HPA targets: per-metric formatting, <unknown> current, <auto>, more than two metrics", () => {
  const cpu = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } };
  const mem = { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "104857600" } } };
  const pods = { type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "10" } } };
  const ext = { type: "External", external: { metric: { name: "queue" }, target: { type: "Value", value: "30" } } };
  expect(formatHPAMetrics([], [])).toBe("<none>");
  expect(formatHPAMetrics([cpu], [])).toBe("cpu: <unknown>/50%");
  expect(formatHPAMetrics([cpu], [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 12, averageValue: "6m" } } }])).toBe("cpu: 12%/50%");
  expect(formatHPAMetrics([mem], [{ type: "Resource", resource: { name: "memory", current: { averageValue: "52428800" } } }])).toBe("memory: 52428800/104857600");
  const memBinary = { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } } };
  expect(formatHPAMetrics([memBinary], [{ type: "Resource", resource: { name: "memory", current: { averageValue: "51200Ki" } } }])).toBe("memory: 50Mi/100Mi");
  expect(formatHPAMetrics([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }], [])).toBe("cpu: <unknown>/<auto>");
  expect(formatHPAMetrics([pods, ext], [{ type: "Pods", pods: { current: { averageValue: "1500m" } } }])).toBe("1500m/10, <unknown>/30");
  const avgExt = { type: "External", external: { metric: { name: "q" }, target: { type: "AverageValue", averageValue: "5" } } };
  expect(formatHPAMetrics([cpu, avgExt, pods], [])).toBe("cpu: <unknown>/50%, <unknown>/5 (avg) + 1 more...");
  expect(formatHPAMetrics([{ type: "Weird" }], [])).toBe("<unknown type>");
});

test("HPA rows in v2 and v1 (v1 printed from its v2 form, with the implicit 80% CPU target)", () => {
  expect(names(horizontalPodAutoscalerPrinter)).toEqual(["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]);
  const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
  const v2 = obj({ apiVersion: "autoscaling/v2", spec: { scaleTargetRef: ref, maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] }, status: { currentReplicas: 2 } }, { name: "web" });
  expect(horizontalPodAutoscalerPrinter.cells(v2, now)).toEqual(["web", "Deployment/web", "cpu: <unknown>/50%", "<unset>", 5, 2, "60m"]);
  const v1 = obj({ apiVersion: "autoscaling/v1", spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3 }, status: { currentReplicas: 1, currentCPUUtilizationPercentage: 40 } }, { name: "web" });
  expect(horizontalPodAutoscalerPrinter.cells(v1, now)).toEqual(["web", "Deployment/web", "cpu: 40%/80%", "1", 3, 1, "60m"]);
});

test("Endpoints: ip:port pairs, headless addresses, IPv6 brackets, + N more..., <none>", () => {
  expect(names(endpointsPrinter)).toEqual(["Name", "Endpoints", "Age"]);
  expect(formatEndpoints({})).toBe("<none>");
  expect(formatEndpoints({ subsets: [{ addresses: [{ ip: "10.42.0.5" }, { ip: "fd00::1" }], ports: [{ port: 80 }] }] })).toBe("10.42.0.5:80,[fd00::1]:80");
  expect(formatEndpoints({ subsets: [{ addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }] }] })).toBe("10.0.0.1,10.0.0.2");
  const four = { subsets: [{ addresses: [1, 2, 3, 4].map((i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 80 }] }] };
  expect(endpointsPrinter.cells(obj(four), now)).toEqual(["x", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...", "60m"]);
  expect(formatEndpoints({ subsets: [{ ports: [{ port: 80 }] }] })).toBe("");
});

test("EndpointSlice: ports, addresses and <unset>", () => {
  expect(names(endpointSlicePrinter)).toEqual(["Name", "AddressType", "Ports", "Endpoints", "Age"]);
  expect(formatDiscoveryPorts(undefined)).toBe("<unset>");
  expect(formatDiscoveryPorts([{ port: 53, name: "dns" }, { name: "named" }, {}, { port: 1 }])).toBe("53,named,* + 1 more...");
  expect(formatDiscoveryEndpoints([])).toBe("<unset>");
  expect(formatDiscoveryEndpoints([{ addresses: [] }])).toBe("<unset>");
  const slice = obj({ addressType: "IPv4", ports: [{ port: 8080, protocol: "TCP" }], endpoints: [{ addresses: ["10.42.0.7"] }, { addresses: ["10.42.0.8"] }] }, { name: "web-abc" });
  expect(endpointSlicePrinter.cells(slice, now)).toEqual(["web-abc", "IPv4", "8080", "10.42.0.7,10.42.0.8", "60m"]);
});

test("Ingress and IngressClass", () => {
  expect(names(ingressPrinter)).toEqual(["Name", "Class", "Hosts", "Address", "Ports", "Age"]);
  expect(formatIngressHosts([{}, { host: "a" }])).toBe("a");
  expect(formatIngressHosts(undefined)).toBe("*");
  expect(formatIngressHosts(["a", "b", "c", "d", "e"].map((host) => ({ host })))).toBe("a,b,c + 2 more...");
  const ing = obj({
    spec: { ingressClassName: "traefik", rules: [{ host: "web.example" }], tls: [{ hosts: ["web.example"] }] },
    status: { loadBalancer: { ingress: [{ ip: "192.168.1.3" }, { ip: "192.168.1.2" }, { hostname: "lb.example" }, { ip: "192.168.1.2" }] } },
  }, { name: "web" });
  expect(ingressPrinter.cells(ing, now)).toEqual(["web", "traefik", "web.example", "192.168.1.2,192.168.1.3,lb.example", "80, 443", "60m"]);
  expect(ingressPrinter.cells(obj({ spec: {} }), now)).toEqual(["x", "<none>", "*", "", "80", "60m"]);
  expect(names(ingressClassPrinter)).toEqual(["Name", "Controller", "Parameters", "Age"]);
  expect(ingressClassPrinter.cells(obj({ spec: { controller: "traefik.io/ingress-controller" } }, { name: "traefik" }), now)).toEqual(["traefik", "traefik.io/ingress-controller", "<none>", "60m"]);
  expect(ingressClassPrinter.cells(obj({ spec: { controller: "c", parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "p" } } }), now)[2]).toBe("IngressParameters.k8s.example.com/p");
});

test("Lease, ControllerRevision, PDB, PriorityClass, CSINode, ResourceQuota, LimitRange, CronJob, RoleBinding", () => {
  expect(leasePrinter.cells(obj({ spec: { holderIdentity: "node-1" } }), now)).toEqual(["x", "node-1", "60m"]);
  expect(leasePrinter.cells(obj({ spec: {} }), now)).toEqual(["x", "", "60m"]);
  const owned = obj({ revision: 3 }, { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "fluentd", uid: "u", controller: true }] });
  expect(controllerRevisionPrinter.cells(owned, now)).toEqual(["x", "daemonset.apps/fluentd", 3, "60m"]);
  expect(controllerRevisionPrinter.cells(obj({ revision: 1 }), now)[1]).toBe("<none>");
  expect(names(podDisruptionBudgetPrinter)).toEqual(["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"]);
  expect(podDisruptionBudgetPrinter.cells(obj({ spec: { minAvailable: 1 }, status: { disruptionsAllowed: 0 } }), now)).toEqual(["x", "1", "N/A", 0, "60m"]);
  expect(podDisruptionBudgetPrinter.cells(obj({ spec: { maxUnavailable: "50%" } }), now)).toEqual(["x", "N/A", "50%", 0, "60m"]);
  expect(names(priorityClassPrinter)).toEqual(["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]);
  expect(priorityClassPrinter.cells(obj({ value: 2000001000, preemptionPolicy: "PreemptLowerPriority" }, { name: "system-node-critical" }), now)).toEqual(["system-node-critical", 2000001000, false, "60m", "PreemptLowerPriority"]);
  expect(csiNodePrinter.cells(obj({ spec: { drivers: [{ name: "a" }] } }), now)).toEqual(["x", 1, "60m"]);
  expect(names(resourceQuotaPrinter)).toEqual(["Name", "Age", "Request", "Limit"]);
  const quota = obj({ status: { hard: { "limits.cpu": "2", pods: "10", "requests.memory": "1Gi", "limits.memory": "2Gi" }, used: { pods: "3", "limits.cpu": "500m" } } });
  expect(resourceQuotaPrinter.cells(quota, now)).toEqual(["x", "60m", "pods: 3/10, requests.memory: 0/1Gi", "limits.cpu: 500m/2, limits.memory: 0/2Gi"]);
  expect(names(limitRangePrinter)).toEqual(["Name", "Created At"]);
  expect(limitRangePrinter.cells(obj({}), now)).toEqual(["x", "2025-01-01T00:00:00Z"]);
  expect(names(cronJobPrinter)).toEqual(["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"]);
  const cj = obj({ spec: { schedule: "*/5 * * * *", suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } } } }, status: {} });
  expect(cronJobPrinter.cells(cj, now)).toEqual(["x", "*/5 * * * *", "<none>", "False", 0, "<none>", "60m", "c", "busybox", "<none>"]);
  const rb = obj({ roleRef: { kind: "ClusterRole", name: "view" }, subjects: [{ kind: "User", name: "alice" }, { kind: "ServiceAccount", namespace: "default", name: "sa" }, { kind: "Group", name: "devs" }] });
  expect(roleBindingPrinter.cells(rb, now)).toEqual(["x", "ClusterRole/view", "60m", "alice", "devs", "default:sa"]);
});

test("FlowSchema and PriorityLevelConfiguration: ? without a Dangling condition, <none> without queuing, lists in matching order", () => {
  expect(names(flowSchemaPrinter)).toEqual(["Name", "PriorityLevel", "MatchingPrecedence", "DistinguisherMethod", "Age", "MissingPL"]);
  const fs = (name: string, matchingPrecedence: number, extra: Record<string, any> = {}) => obj({ spec: { priorityLevelConfiguration: { name: "global-default" }, matchingPrecedence }, ...extra }, { name });
  expect(flowSchemaPrinter.cells(fs("a", 100), now)).toEqual(["a", "global-default", 100, "<none>", "60m", "?"]);
  const dangling = fs("b", 100, { status: { conditions: [{ type: "Other", status: "False" }, { type: "Dangling", status: "True" }] } });
  dangling.spec.distinguisherMethod = { type: "ByUser" };
  expect(flowSchemaPrinter.cells(dangling, now)).toEqual(["b", "global-default", 100, "ByUser", "60m", "True"]);
  const items = [fs("z", 50), fs("b", 900), fs("a", 900), fs("B", 900)];
  expect(flowSchemaPrinter.order?.(items).map((o) => o.metadata.name)).toEqual(["z", "B", "a", "b"]);
  expect(items.map((o) => o.metadata.name)).toEqual(["z", "b", "a", "B"]);

  expect(names(priorityLevelConfigurationPrinter)).toEqual(["Name", "Type", "NominalConcurrencyShares", "Queues", "HandSize", "QueueLengthLimit", "Age"]);
  const queued = obj({ spec: { type: "Limited", limited: { nominalConcurrencyShares: 0, limitResponse: { type: "Queue", queuing: { queues: 64, handSize: 6, queueLengthLimit: 50 } } } } });
  expect(priorityLevelConfigurationPrinter.cells(queued, now)).toEqual(["x", "Limited", 0, 64, 6, 50, "60m"]);
  const rejecting = obj({ spec: { type: "Limited", limited: { nominalConcurrencyShares: 5, limitResponse: { type: "Reject" } } } });
  expect(priorityLevelConfigurationPrinter.cells(rejecting, now)).toEqual(["x", "Limited", 5, "<none>", "<none>", "<none>", "60m"]);
  expect(priorityLevelConfigurationPrinter.cells(obj({ spec: { type: "Exempt", exempt: {} } }), now)).toEqual(["x", "Exempt", "<none>", "<none>", "<none>", "<none>", "60m"]);
});
