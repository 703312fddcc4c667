/**
 * Field selectors on Events in both groups. core/v1 selects on upstream's
 * EventToSelectableFields; events.k8s.io/v1 accepts its own labels (`regarding.*`,
 * `reportingController`, ...) and maps them onto the same set (upstream
 * AddFieldLabelConversionsForEvent), so both select the same stored events.
 */
import type { KObject } from "../../resources/types.ts";
import { eventFromEventsV1 } from "./event-v1.ts";

const REF_FIELDS = ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] as const;

/** core/v1 Event fields (besides metadata.name/namespace). */
export function coreEventFields(obj: KObject): Record<string, string> {
  const io = obj.involvedObject ?? {};
  const fields: Record<string, string> = {};
  for (const f of REF_FIELDS) fields[`involvedObject.${f}`] = String(io[f] ?? "");
  fields.reason = obj.reason ?? "";
  fields.reportingComponent = obj.reportingComponent ?? "";
  fields.source = obj.source?.component || obj.reportingComponent || "";
  fields.type = obj.type ?? "";
  return fields;
}

/** events.k8s.io/v1 Event fields, computed from the same core fields. */
export function eventsV1Fields(obj: KObject): Record<string, string> {
  const core = coreEventFields(eventFromEventsV1(obj));
  const fields: Record<string, string> = {};
  for (const f of REF_FIELDS) fields[`regarding.${f}`] = core[`involvedObject.${f}`] ?? "";
  fields.reason = core.reason ?? "";
  fields.reportingController = core.reportingComponent ?? "";
  fields.source = core.source ?? "";
  fields.type = core.type ?? "";
  return fields;
}
