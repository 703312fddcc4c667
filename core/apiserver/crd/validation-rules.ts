/**
 * CRD validation rules (`x-kubernetes-validations`, upstream apiextensions-apiserver's CEL
 * validator): each rule is a CEL expression over `self` (the value at that point of the schema)
 * and, for transition rules, `oldSelf` (the same value before an update; such rules are skipped on
 * create and where no old value corresponds). A rule that evaluates to false is an Invalid field
 * error at that path with the rule's `message` (or the value of its `messageExpression`, or
 * `failed rule: <rule>`), like upstream's `spec: Invalid value: "object": <message>`.
 *
 * lite evaluates rules with its CEL subset (core/cel). A rule it does not understand, or one whose
 * evaluation fails here, is not enforced: only a definite false rejects an object, so no valid
 * object is refused because of the subset.
 */
import { CelError, evaluateCel } from "../../cel/evaluate.ts";
import { compileCel } from "../../cel/compile-cache.ts";
import { UnsupportedCel, type Expr } from "../../cel/parse.ts";
import { fieldErrors, type FieldError } from "../errors/index.ts";
import { jsonTypeOf } from "./schema-validate.ts";
import type { JSONSchemaProps } from "./types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

interface Rule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

function compiled(src: string): Expr | undefined {
  const e = compileCel(src);
  return e instanceof UnsupportedCel ? undefined : e;
}

const referencesOldSelf = (src: string) => /\boldSelf\b/.test(src);
const NO_OLD = Symbol("no old value");

export function validateRules(schema: JSONSchemaProps | undefined, value: unknown, old: unknown = NO_OLD, path = ""): FieldError[] {
  if (!schema || value === undefined || value === null) return [];
  const errs: FieldError[] = [];
  for (const r of (schema["x-kubernetes-validations"] ?? []) as Rule[]) {
    if (typeof r?.rule !== "string") continue;
    const transition = referencesOldSelf(r.rule);
    if (transition && old === NO_OLD && !r.optionalOldSelf) continue;
    const e = compiled(r.rule);
    if (!e) continue;
    const vars: Json = { self: value };
    if (transition) vars.oldSelf = old === NO_OLD ? null : old;
    let result: unknown;
    try {
      result = evaluateCel(e, vars);
    } catch (err) {
      if (err instanceof CelError || err instanceof UnsupportedCel) continue;
      throw err;
    }
    if (result !== false) continue;
    const field = r.fieldPath ? `${path}${r.fieldPath}`.replace(/^\./, "") : path;
    errs.push(fieldErrors.invalid(field || "<nil>", jsonTypeOf(value), messageOf(r, vars)));
  }
  const obj = value as Json;
  const prior = old !== NO_OLD && old !== null && typeof old === "object" ? (old as Json) : undefined;
  if (schema.properties && typeof value === "object" && !Array.isArray(value)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      if (!(name in obj)) continue;
      errs.push(...validateRules(sub, obj[name], prior && name in prior ? prior[name] : NO_OLD, path ? `${path}.${name}` : name));
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === "object" && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(obj)) {
      errs.push(...validateRules(schema.additionalProperties, v, prior && key in prior ? prior[key] : NO_OLD, path ? `${path}.${key}` : key));
    }
  } else if (Array.isArray(value) && schema.items && !Array.isArray(schema.items)) {
    const keys = schema["x-kubernetes-list-type"] === "map" ? schema["x-kubernetes-list-map-keys"] ?? [] : undefined;
    const oldItems = Array.isArray(old) ? old : [];
    value.forEach((item, i) => {
      // Old elements correspond by their map keys in map lists; elsewhere there is no correlation.
      const match = keys?.length ? oldItems.find((o) => keys.every((k) => (o as Json)?.[k] === (item as Json)?.[k])) : undefined;
      errs.push(...validateRules(schema.items as JSONSchemaProps, item, match ?? NO_OLD, `${path}[${i}]`));
    });
  }
  return errs;
}

function messageOf(r: Rule, vars: Json): string {
  if (r.messageExpression) {
    const e = compiled(r.messageExpression);
    if (e) {
      try {
        const m = evaluateCel(e, vars);
        if (typeof m === "string" && m.trim() !== "") return m;
      } catch { /* fall back to message */ }
    }
  }
  return r.message || `failed rule: ${r.rule}`;
}
