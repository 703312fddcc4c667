/**
 * metav1.LabelSelector validation (apimachinery `meta/v1/validation.ValidateLabelSelector`, 1.32):
 * matchLabels keys and values, and each matchExpressions requirement's operator, values and key.
 */
import { fieldErrors, type FieldError } from "../errors/index.ts";
import { isQualifiedName, isValidLabelValue } from "../machinery/label-validation.ts";
import { validateLabels } from "./metadata.ts";

export interface LabelSelectorValidationOptions {
  /** Skip label-value checks of matchExpressions values (kept only for objects already stored with them). */
  readonly allowInvalidLabelValueInSelector?: boolean;
}

// biome-ignore lint: a selector as submitted, any JSON.
type Json = any;

/** Errors of `selector` at `path`; a null or absent selector is valid. */
export function validateLabelSelector(selector: Json, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  if (selector === null || selector === undefined || typeof selector !== "object") return [];
  const errs: FieldError[] = [];
  const labels = selector.matchLabels && typeof selector.matchLabels === "object" ? selector.matchLabels as Record<string, string> : undefined;
  const sorted = labels ? Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]!])) : undefined;
  errs.push(...validateLabels(sorted, `${path}.matchLabels`));
  const exprs: Json[] = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  exprs.forEach((req, i) => errs.push(...validateRequirement(req ?? {}, `${path}.matchExpressions[${i}]`, opts)));
  return errs;
}

function validateRequirement(req: Json, path: string, opts: LabelSelectorValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const values: Json[] = Array.isArray(req.values) ? req.values : [];
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) errs.push(fieldErrors.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) errs.push(fieldErrors.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(fieldErrors.invalid(`${path}.operator`, req.operator ?? "", "not a valid selector operator"));
  }
  const key = typeof req.key === "string" ? req.key : "";
  for (const m of isQualifiedName(key)) errs.push(fieldErrors.invalid(`${path}.key`, key, m));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      const value = String(v);
      for (const m of isValidLabelValue(value)) errs.push(fieldErrors.invalid(`${path}.values[${i}]`, value, m));
    });
  }
  return errs;
}
