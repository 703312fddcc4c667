/**
 * Server-side Table conversion: the printer for a resource, rows with PartialObjectMetadata
 * (or the full object with includeObject=Object), and list metadata copied through.
 */
import type { KObject, ResourceDef } from "../resources/index.ts";
import { configMapPrinter, defaultPrinter, eventPrinter, namespacePrinter, nodePrinter, secretPrinter, serviceAccountPrinter, servicePrinter } from "./core-printers.ts";
import { csrPrinter } from "./certificate-printers.ts";
import type { Table, TablePrinter, TableRow } from "./types.ts";
import { daemonSetPrinter, deploymentPrinter, jobPrinter, podPrinter, replicaSetPrinter, statefulSetPrinter } from "./workload-printers.ts";
import {
  apiServicePrinter, clusterRoleBindingPrinter, controllerRevisionPrinter, cronJobPrinter, flowSchemaPrinter, horizontalPodAutoscalerPrinter, leasePrinter,
  podDisruptionBudgetPrinter, priorityClassPrinter, priorityLevelConfigurationPrinter, replicationControllerPrinter, roleBindingPrinter, runtimeClassPrinter,
  webhookConfigurationPrinter, validatingAdmissionPolicyPrinter, validatingAdmissionPolicyBindingPrinter,
} from "./cluster-printers.ts";
import { endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from "./network-printers.ts";
import {
  csiDriverPrinter, csiNodePrinter, limitRangePrinter, persistentVolumeClaimPrinter, persistentVolumePrinter, resourceQuotaPrinter, storageClassPrinter,
  volumeAttachmentPrinter,
} from "./storage-printers.ts";

const PRINTERS: Record<string, TablePrinter> = {
  "/pods": podPrinter, "/services": servicePrinter, "/nodes": nodePrinter, "/namespaces": namespacePrinter, "/events": eventPrinter,
  "/configmaps": configMapPrinter, "/secrets": secretPrinter, "/serviceaccounts": serviceAccountPrinter,
  "apps/deployments": deploymentPrinter, "apps/replicasets": replicaSetPrinter, "apps/statefulsets": statefulSetPrinter,
  "apps/daemonsets": daemonSetPrinter, "batch/jobs": jobPrinter,
  "/persistentvolumes": persistentVolumePrinter, "/persistentvolumeclaims": persistentVolumeClaimPrinter, "/endpoints": endpointsPrinter,
  "/resourcequotas": resourceQuotaPrinter, "/limitranges": limitRangePrinter, "/replicationcontrollers": replicationControllerPrinter,
  "apps/controllerrevisions": controllerRevisionPrinter, "batch/cronjobs": cronJobPrinter,
  "autoscaling/horizontalpodautoscalers": horizontalPodAutoscalerPrinter, "policy/poddisruptionbudgets": podDisruptionBudgetPrinter,
  "storage.k8s.io/storageclasses": storageClassPrinter, "storage.k8s.io/csinodes": csiNodePrinter, "storage.k8s.io/csidrivers": csiDriverPrinter,
  "storage.k8s.io/volumeattachments": volumeAttachmentPrinter,
  "networking.k8s.io/ingresses": ingressPrinter, "networking.k8s.io/ingressclasses": ingressClassPrinter, "networking.k8s.io/networkpolicies": networkPolicyPrinter,
  "discovery.k8s.io/endpointslices": endpointSlicePrinter, "coordination.k8s.io/leases": leasePrinter,
  "scheduling.k8s.io/priorityclasses": priorityClassPrinter, "node.k8s.io/runtimeclasses": runtimeClassPrinter,
  "rbac.authorization.k8s.io/rolebindings": roleBindingPrinter, "rbac.authorization.k8s.io/clusterrolebindings": clusterRoleBindingPrinter,
  "certificates.k8s.io/certificatesigningrequests": csrPrinter,
  "admissionregistration.k8s.io/mutatingwebhookconfigurations": webhookConfigurationPrinter,
  "admissionregistration.k8s.io/validatingwebhookconfigurations": webhookConfigurationPrinter,
  "admissionregistration.k8s.io/validatingadmissionpolicies": validatingAdmissionPolicyPrinter,
  "admissionregistration.k8s.io/validatingadmissionpolicybindings": validatingAdmissionPolicyBindingPrinter,
  "apiregistration.k8s.io/apiservices": apiServicePrinter,
  "flowcontrol.apiserver.k8s.io/flowschemas": flowSchemaPrinter,
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": priorityLevelConfigurationPrinter,
};

export function printerFor(def: ResourceDef): TablePrinter {
  return def.tablePrinter ?? PRINTERS[`${def.group}/${def.resource}`] ?? defaultPrinter;
}

export interface TableOptions {
  readonly includeObject: "None" | "Metadata" | "Object";
  readonly includeColumns: boolean;
  readonly tableVersion: string;
  readonly now: Date;
}

export function partialObjectMetadata(obj: KObject, version = "v1"): unknown {
  return { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export function toTable(def: ResourceDef, objects: readonly KObject[], listMeta: Table["metadata"], opts: TableOptions): Table {
  const printer = printerFor(def);
  const rows: TableRow[] = (printer.order ? printer.order(objects) : objects).map((obj) => {
    const row: TableRow = { cells: printer.cells(obj, opts.now) };
    if (opts.includeObject === "Metadata") row.object = partialObjectMetadata(obj, opts.tableVersion);
    else if (opts.includeObject === "Object") row.object = obj;
    return row;
  });
  const table: Table = { kind: "Table", apiVersion: `meta.k8s.io/${opts.tableVersion}`, metadata: listMeta, rows };
  if (opts.includeColumns) table.columnDefinitions = printer.columns.map((c) => ({ ...c }));
  else delete table.columnDefinitions;
  return opts.includeColumns ? { kind: table.kind, apiVersion: table.apiVersion, metadata: listMeta, columnDefinitions: table.columnDefinitions, rows } : table;
}
