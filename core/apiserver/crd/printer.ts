/**
 * Server-side Table columns of a custom resource from `additionalPrinterColumns` (apiextensions'
 * tableconvertor): Name, then each column's JSONPath value typed by the column type; an Age
 * column over metadata.creationTimestamp when the version defines none.
 */
import { humanDuration } from "../machinery/duration.ts";
import type { KObject } from "../resources/index.ts";
import { AGE_COLUMN, NAME_COLUMN } from "../table/cells.ts";
import type { Cell, ColumnDefinition, TablePrinter } from "../table/types.ts";
import { parseJsonPath, type JsonPath } from "./jsonpath.ts";
import type { PrinterColumn } from "./types.ts";

const DEFAULT_COLUMNS: PrinterColumn[] = [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: AGE_COLUMN.description }];

function cellFor(type: string, value: unknown, now: Date): Cell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "integer": return typeof value === "number" ? Math.trunc(value) : null;
    case "number": return typeof value === "number" ? value : null;
    case "boolean": return typeof value === "boolean" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      const t = Date.parse(value);
      if (Number.isNaN(t)) return "<invalid>";
      return humanDuration(now.getTime() - t);
    }
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      return JSON.stringify(value);
    default: return null;
  }
}

export function customResourcePrinter(columns: readonly PrinterColumn[] | undefined): TablePrinter {
  const cols = columns && columns.length > 0 ? columns : DEFAULT_COLUMNS;
  const paths: (JsonPath | undefined)[] = cols.map((c) => { try { return parseJsonPath(c.jsonPath); } catch { return undefined; } });
  const defs: ColumnDefinition[] = [
    { ...NAME_COLUMN },
    ...cols.map((c) => ({
      name: c.name, type: c.type as ColumnDefinition["type"], format: c.format ?? "",
      description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, priority: c.priority ?? 0,
    })),
  ];
  return {
    columns: defs,
    cells(obj: KObject, now: Date): Cell[] {
      const cells: Cell[] = [obj.metadata.name ?? ""];
      cols.forEach((c, i) => {
        const found = paths[i]?.find(obj) ?? [];
        cells.push(cellFor(c.type, found[0], now));
      });
      return cells;
    },
  };
}
