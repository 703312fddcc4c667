/** meta.k8s.io/v1 Table shapes and the printer contract. */
import type { KObject } from "../resources/index.ts";

export interface ColumnDefinition {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string;
  description: string;
  priority: number;
}

export type Cell = string | number | boolean | null;

/** Columns plus a function from object to cells (one cell per column, all priorities). */
export interface TablePrinter {
  readonly columns: readonly ColumnDefinition[];
  cells(obj: KObject, now: Date): Cell[];
  /** The order of a list's rows, when it is not the list's (returns a new array; `objects` is not mutated). */
  order?(objects: readonly KObject[]): KObject[];
}

export interface TableRow {
  cells: Cell[];
  object?: unknown;
}

export interface Table {
  kind: "Table";
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions?: ColumnDefinition[];
  rows: TableRow[];
}
