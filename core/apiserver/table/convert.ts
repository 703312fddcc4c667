/**
 * Server-side Table conversion: the printer for a resource, rows with PartialObjectMetadata
 * (or the full object with includeObject=Object), and list metadata copied through.
 */
import type { KObject, ResourceDef } from "../resources/index.ts";
import { configMapPrinter, defaultPrinter, eventPrinter, namespacePrinter, nodePrinter, secretPrinter, serviceAccountPrinter, servicePrinter } from "./core-printers.ts";
import { csrPrinter } from "./certificate-printers.ts";
import type { Table, TablePrinter, TableRow } from "./types.ts";
import { daemonSetPrinter, deploymentPrinter, jobPrinter, podPrinter, replicaSetPrinter, statefulSetPrinter } from "./workload-printers.ts";

const PRINTERS: Record<string, TablePrinter> = {
  "/pods": podPrinter, "/services": servicePrinter, "/nodes": nodePrinter, "/namespaces": namespacePrinter, "/events": eventPrinter,
  "/configmaps": configMapPrinter, "/secrets": secretPrinter, "/serviceaccounts": serviceAccountPrinter,
  "apps/deployments": deploymentPrinter, "apps/replicasets": replicaSetPrinter, "apps/statefulsets": statefulSetPrinter,
  "apps/daemonsets": daemonSetPrinter, "batch/jobs": jobPrinter,
  "certificates.k8s.io/certificatesigningrequests": csrPrinter,
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
  const rows: TableRow[] = objects.map((obj) => {
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
