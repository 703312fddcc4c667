/**
 * crictl's outputStatusData (inspect, inspectp, inspecti, info, imagefsinfo): `{"status": ...,
 * <info key>: ...}` per object (a lone object unwrapped), re-marshalled the way Go's json.Marshal
 * of a map does it: keys sorted at every level, <, > and & escaped.
 */
import { sortKeysDeep, yaml } from "./format.ts";

export interface StatusData { status?: unknown; info?: Record<string, string>; extra?: Record<string, unknown> }

function statusObject(d: StatusData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.status !== undefined) out.status = d.status;
  Object.assign(out, d.extra ?? {});
  for (const [k, v] of Object.entries(d.info ?? {})) {
    if (v.startsWith("{")) {
      try { out[k] = JSON.parse(v); continue; } catch { /* not JSON after all: keep the string */ }
    }
    out[k] = v.replace(/^"+|"+$/g, "");
  }
  return out;
}

/** The verbose `Info: map[k:v ...]` line of the table inspect* outputs (Go's %v of a map: keys sorted). */
export function infoLine(info: Record<string, string>): string {
  return `Info: map[${Object.keys(info).sort().map((k) => `${k}:${info[k]}`).join(" ")}]\n`;
}

export function outputStatuses(statuses: readonly StatusData[], format: string): string {
  if (statuses.length === 0) return "";
  const objects = statuses.map(statusObject);
  const value = sortKeysDeep(objects.length === 1 ? objects[0] : objects);
  if (format === "yaml") return yaml(value) + "\n";
  return JSON.stringify(value, null, 2).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) + "\n";
}
