/** Label + field selector predicate of a list or watch (400 for unparsable or unsupported selectors). */
import { apiErrors } from "../../errors/index.ts";
import { parseFieldSelector, matchesFields, type FieldRequirement } from "../../machinery/field-selector.ts";
import { parseLabelSelector, SelectorParseError, type LabelSelector } from "../../machinery/label-selector.ts";
import { selectableFieldNames, selectableFieldsOf, type KObject, type ResourceDef } from "../../resources/index.ts";

export interface Predicate {
  readonly empty: boolean;
  matches(obj: KObject): boolean;
}

export function buildPredicate(def: ResourceDef, labelSelector: string, fieldSelector: string): Predicate {
  let labels: LabelSelector | undefined;
  let fields: FieldRequirement[] = [];
  try {
    if (labelSelector.trim()) labels = parseLabelSelector(labelSelector);
    if (fieldSelector.trim()) fields = parseFieldSelector(fieldSelector);
  } catch (err) {
    if (err instanceof SelectorParseError) throw apiErrors.badRequest(err.message);
    throw err;
  }
  if (fields.length > 0) {
    const supported = selectableFieldNames(def);
    for (const r of fields) if (!supported.has(r.field)) throw apiErrors.badRequest(`field label not supported: ${r.field}`);
  }
  const labelsEmpty = !labels || labels.empty;
  return {
    empty: labelsEmpty && fields.length === 0,
    matches(obj) {
      if (labels && !labels.matches(obj.metadata.labels ?? {})) return false;
      return fields.length === 0 || matchesFields(fields, selectableFieldsOf(def, obj));
    },
  };
}
