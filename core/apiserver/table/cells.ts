/** Cell helpers shared by printers (upstream printers.go conventions: `<none>`, `<unknown>`, ages). */
import { humanDuration } from "../machinery/duration.ts";
import { labelSelectorFromObject } from "../machinery/label-selector.ts";
import type { KObject } from "../resources/index.ts";
import type { ColumnDefinition } from "./types.ts";

// biome-ignore lint: JSON documents.
export type Json = Record<string, any>;

export function col(name: string, type: ColumnDefinition["type"] = "string", priority = 0, description = "", format = ""): ColumnDefinition {
  return { name, type, format, description, priority };
}

export const NAME_COLUMN = col("Name", "string", 0, "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", "name");
export const AGE_COLUMN = col("Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");

/** `HumanDuration(now - t)`, `<unknown>` when t is missing. */
export function since(t: string | null | undefined, now: Date): string {
  if (!t) return "<unknown>";
  const ms = now.getTime() - Date.parse(t);
  return Number.isNaN(ms) ? "<unknown>" : humanDuration(ms);
}

export function age(obj: KObject, now: Date): string {
  return since(obj.metadata.creationTimestamp, now);
}

export function orNone(v: unknown): string {
  return v === undefined || v === null || v === "" ? "<none>" : String(v);
}

export function containerNames(podSpec: Json | undefined): string {
  return (podSpec?.containers ?? []).map((c: Json) => c.name).join(",");
}

export function containerImages(podSpec: Json | undefined): string {
  return (podSpec?.containers ?? []).map((c: Json) => c.image).join(",");
}

/** A metav1.LabelSelector as text (`<none>` when empty). */
export function selectorText(sel: Json | undefined): string {
  if (!sel) return "<none>";
  const text = labelSelectorFromObject(sel).toString();
  return text || "<none>";
}

/** A map selector (`app=web,tier=fe`, keys sorted). */
export function mapSelectorText(sel: Record<string, string> | undefined): string {
  const keys = Object.keys(sel ?? {}).sort();
  return keys.length === 0 ? "<none>" : keys.map((k) => `${k}=${sel?.[k]}`).join(",");
}
