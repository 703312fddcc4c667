/**
 * Compile checks of a CRD's `x-kubernetes-validations` when the CRD is created or updated
 * (upstream apiextensions validation: ValidateCustomResourceDefinitionOpenAPISchema and cel.Compile).
 * For each rule: `rule is not specified`, the message checks, then the rule compiled in an
 * environment declaring `self` and `oldSelf` typed by the schema node (cel-check.ts):
 *
 *   spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value:
 *   apiextensions.ValidationRule{Rule:"self.foo > 0", ...}: compilation failed: ERROR: <input>:1:5: undefined field 'foo'
 *    | self.foo > 0
 *    | ....^
 *
 * and then its messageExpression (`messageExpression compilation failed: ...`). As upstream's
 * internal version does, a schema shared by every version is reported under
 * `spec.validation.openAPIV3Schema`, otherwise under `spec.versions[i].schema.openAPIV3Schema`.
 *
 * Selecting an undeclared field is reported where the schema is certain: an object with
 * `properties` (the resource root and embedded resources also declare apiVersion, kind and
 * metadata.name/generateName) without `x-kubernetes-preserve-unknown-fields`, reached from `self`
 * through properties, `items` (by index or as a macro variable) and `additionalProperties` (by key
 * or as a macro's value variable). There is no type checker here: type mismatches, a non-bool rule,
 * cost estimates and cost limits are not checked.
 */
import { goQuote } from "../machinery/go-format.ts";
import { jsonEqual } from "../machinery/json-value.ts";
import type { FieldError } from "../errors/index.ts";
import { fieldErrors } from "../errors/index.ts";
import { unescapeField } from "../../cel/names.ts";
import { checkCel, NO_FIELD, type Shape } from "./cel-check.ts";
import { withTypeAndObjectMeta } from "./cel-values.ts";
import type { CRDObject, JSONSchemaProps } from "./types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** The shape of a value under `schema` (undefined: dynamic). */
export function schemaShape(schema: JSONSchemaProps | undefined, resourceRoot = false): Shape | undefined {
  if (!schema || typeof schema !== "object" || schema["x-kubernetes-int-or-string"]) return undefined;
  const s = resourceRoot || schema["x-kubernetes-embedded-resource"] ? withTypeAndObjectMeta(schema) : schema;
  if (s.type === "array") {
    const items = Array.isArray(s.items) ? undefined : s.items;
    if (!items) return undefined;
    return {
      index: () => schemaShape(items),
      iterate: () => ({ one: schemaShape(items), two: [undefined, schemaShape(items)] }),
    };
  }
  if (s.type !== "object") return undefined;
  const ap = s.additionalProperties;
  if (ap && typeof ap === "object" && !(s.properties && Object.keys(s.properties).length)) {
    return {
      select: () => schemaShape(ap),
      index: () => schemaShape(ap),
      iterate: () => ({ two: [undefined, schemaShape(ap)] }),
    };
  }
  const props = s.properties;
  if (!props || ap === true) return undefined;
  const open = !!s["x-kubernetes-preserve-unknown-fields"];
  return {
    select(field) {
      const name = Object.hasOwn(props, field) ? field : unescapeField(field);
      if (Object.hasOwn(props, name)) return schemaShape(props[name]);
      return open ? undefined : NO_FIELD;
    },
  };
}

interface Rule {
  rule?: unknown;
  message?: unknown;
  messageExpression?: unknown;
  reason?: unknown;
  fieldPath?: unknown;
  optionalOldSelf?: unknown;
}

const text = (v: unknown) => (typeof v === "string" ? v : "");

/** Go's `%#v` of the internal apiextensions.ValidationRule, as upstream's field.Invalid prints it. */
function goRule(r: Rule): string {
  const ptr = (set: boolean, type: string) => `(*${type})(${set ? "0xc000000000" : "nil"})`;
  return `apiextensions.ValidationRule{Rule:${goQuote(text(r.rule))}, Message:${goQuote(text(r.message))}, MessageExpression:${goQuote(text(r.messageExpression))}, Reason:${ptr(r.reason != null, "apiextensions.FieldValueErrorReason")}, FieldPath:${goQuote(text(r.fieldPath))}, OptionalOldSelf:${ptr(r.optionalOldSelf != null, "bool")}}`;
}

function invalidRule(field: string, r: Rule, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, body: `Invalid value: ${goRule(r)}: ${detail}` };
}

const hasNewlines = (s: string) => /\n/.test(s);

function checkRules(s: JSONSchemaProps, path: string, resourceRoot: boolean, errs: FieldError[]): void {
  const rules = Array.isArray(s["x-kubernetes-validations"]) ? (s["x-kubernetes-validations"] as Rule[]) : [];
  if (rules.length === 0) return;
  const shape = schemaShape(s, resourceRoot);
  const env = { variables: new Map([["self", shape], ["oldSelf", shape]]) };
  rules.forEach((raw, i) => {
    const r: Rule = raw !== null && typeof raw === "object" ? raw : {};
    const at = `${path}.x-kubernetes-validations[${i}]`;
    const rule = text(r.rule).trim();
    const message = text(r.message);
    if (!rule) errs.push(fieldErrors.required(`${at}.rule`, "rule is not specified"));
    else if (message.length > 0 && message.trim().length === 0) errs.push(fieldErrors.invalid(`${at}.message`, message, "message must be non-empty if specified"));
    else if (hasNewlines(message.trim())) errs.push(fieldErrors.invalid(`${at}.message`, message, "message must not contain line breaks"));
    else if (hasNewlines(rule) && message.trim().length === 0) errs.push(fieldErrors.required(`${at}.message`, "message must be specified if rule contains line breaks"));
    if (!rule) return;
    const ruleIssues = checkCel(text(r.rule), env);
    if (ruleIssues) {
      errs.push(invalidRule(`${at}.rule`, r, `compilation failed: ${ruleIssues}`));
      return;
    }
    const messageExpression = text(r.messageExpression);
    if (messageExpression.trim()) {
      const issues = checkCel(messageExpression, env);
      if (issues) errs.push(invalidRule(`${at}.messageExpression`, r, `messageExpression compilation failed: ${issues}`));
    }
  });
}

function walk(s: JSONSchemaProps | undefined, path: string, resourceRoot: boolean, errs: FieldError[]): void {
  if (!s || typeof s !== "object") return;
  checkRules(s, path, resourceRoot, errs);
  for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, `${path}.properties[${k}]`, !!p?.["x-kubernetes-embedded-resource"], errs);
  if (s.items && !Array.isArray(s.items)) walk(s.items, `${path}.items`, !!s.items["x-kubernetes-embedded-resource"], errs);
  if (s.additionalProperties && typeof s.additionalProperties === "object") {
    walk(s.additionalProperties, `${path}.additionalProperties`, !!s.additionalProperties["x-kubernetes-embedded-resource"], errs);
  }
  (s.allOf ?? []).forEach((x, i) => walk(x, `${path}.allOf[${i}]`, resourceRoot, errs));
}

/**
 * Compile errors of every version's validation rules. `skip(i)` says a version's schema already has
 * structural errors (upstream then skips CEL checks).
 */
export function validateRuleCompilation(crd: CRDObject, skip: (version: number) => boolean = () => false): FieldError[] {
  const versions = crd.spec?.versions ?? [];
  const schemas = versions.map((v) => v?.schema?.openAPIV3Schema);
  const errs: FieldError[] = [];
  const shared = schemas.length > 0 && schemas[0] !== undefined && schemas.every((s) => jsonEqual(s as Json, schemas[0] as Json));
  if (shared) {
    if (!versions.some((_, i) => skip(i))) walk(schemas[0], "spec.validation.openAPIV3Schema", true, errs);
    return errs;
  }
  schemas.forEach((s, i) => {
    if (s && !skip(i)) walk(s, `spec.versions[${i}].schema.openAPIV3Schema`, true, errs);
  });
  return errs;
}
