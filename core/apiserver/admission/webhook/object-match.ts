/**
 * The namespaceSelector and objectSelector checks shared by admission webhooks and
 * ValidatingAdmissionPolicies (upstream apiserver/pkg/admission/plugin/webhook/predicates/{namespace,object}).
 */
import { labelSelectorFromObject, type LabelSelectorObject } from "../../machinery/label-selector.ts";
import type { KObject } from "../../resources/index.ts";
import type { AdmissionAttributes } from "../types.ts";
import { labelsOf } from "./review.ts";

export const emptySelector = (s: LabelSelectorObject | undefined) => !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);

export function selectorMatches(selector: LabelSelectorObject | undefined, labels: Record<string, string>): boolean {
  if (emptySelector(selector)) return true;
  try {
    return labelSelectorFromObject(selector).matches(labels);
  } catch {
    return false; // validation refuses bad selectors; a stored one cannot select anything
  }
}

/**
 * True when the request's object (new or old) matches `objectSelector` and its namespace matches
 * `namespaceSelector` (a Namespace object is matched by its own labels; other cluster-scoped
 * objects always pass the namespace check).
 */
export async function selectorsMatch(
  namespaceSelector: LabelSelectorObject | undefined,
  objectSelector: LabelSelectorObject | undefined,
  attrs: AdmissionAttributes,
  namespaceLabels: (name: string) => Promise<Record<string, string> | undefined>,
): Promise<boolean> {
  if (!emptySelector(objectSelector)) {
    // Either the new or the old object may match; an absent one matches nothing.
    const matches = (obj: KObject | undefined) => obj !== undefined && selectorMatches(objectSelector, labelsOf(obj));
    if (!matches(attrs.object) && !matches(attrs.oldObject)) return false;
  }
  if (emptySelector(namespaceSelector)) return true;
  const isNamespaceObject = attrs.def.group === "" && attrs.def.resource === "namespaces";
  if (isNamespaceObject) return selectorMatches(namespaceSelector, labelsOf(attrs.object ?? attrs.oldObject));
  if (!attrs.namespace) return true; // namespaceSelector does not apply to cluster-scoped objects
  return selectorMatches(namespaceSelector, (await namespaceLabels(attrs.namespace)) ?? {});
}
