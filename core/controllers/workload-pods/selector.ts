/** metav1.LabelSelector matching for controllers (nil selects nothing, empty selects everything). */
import { labelSelectorFromObject, type LabelSelector } from "../../apiserver/machinery/label-selector.ts";
import type { LabelSelectorJson } from "./types.ts";

/** A matcher for `selector`; an invalid selector matches nothing. */
export function selectorMatcher(selector: LabelSelectorJson | undefined): LabelSelector["matches"] {
  try {
    const s = labelSelectorFromObject(selector);
    return (labels) => s.matches(labels ?? {});
  } catch {
    return () => false;
  }
}
