/**
 * CRD validation rules (`x-kubernetes-validations`, upstream apiextensions-apiserver's CEL
 * validator, schema/cel/validation.go): each rule is a CEL expression over `self` (the value at
 * that point of the schema, typed by the schema: cel-values.ts) and, for transition rules (rules
 * that refer to `oldSelf`), `oldSelf`, the same value before an update.
 *
 * - Transition rules are skipped where there is no old value (create, list items without map keys,
 *   new map entries), unless the rule has `optionalOldSelf: true`: then `oldSelf` is
 *   `optional.of(old)` or `optional.none()`.
 * - A rule that is not true is a field error at its path (plus its `fieldPath`) with the value's
 *   schema type: its `messageExpression`'s value (when that evaluates to a non-empty one-line
 *   string), else its `message`, else `failed rule: <rule>`; `reason` picks Forbidden, Required or
 *   Duplicate instead of Invalid.
 * - A rule whose evaluation fails is an Invalid field error as upstream words it:
 *   `<error> evaluating rule: <rule or message>`, and for a call no overload takes,
 *   `'<error>': call arguments did not match a supported operator, function or macro signature for rule: <rule or message>`.
 * - Ratcheting (CRDValidationRatcheting, on since 1.30): on update, errors of rules that do not use
 *   `oldSelf` are dropped where the value equals its old value (or, for values with no old
 *   counterpart, the nearest correlated ancestor is unchanged). Upstream returns them as warnings.
 *
 * Rules are compiled when the CRD is written (rule-compile.ts). A rule this CEL implementation does
 * not handle (UnsupportedCel: syntax it lacks, a function it does not define in a CRD stored before
 * the compile checks) is not enforced.
 */
import { compileCel } from "../../cel/compile-cache.ts";
import { CelError, evaluateCel } from "../../cel/evaluate.ts";
import { CelOptional } from "../../cel/library/optional.ts";
import { UnsupportedCel, type Expr } from "../../cel/parse.ts";
import { markNative, type CelValue } from "../../cel/values.ts";
import { fieldErrors, type FieldError } from "../errors/index.ts";
import { jsonEqual } from "../machinery/json-value.ts";
import { referencesVariable } from "./cel-check.ts";
import { schemaValue } from "./cel-values.ts";
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

const usesOldSelf = new WeakMap<Expr, boolean>();

function compiled(src: string): Expr | undefined {
  const e = compileCel(src);
  return e instanceof UnsupportedCel ? undefined : e;
}

function isTransition(e: Expr): boolean {
  let r = usesOldSelf.get(e);
  if (r === undefined) usesOldSelf.set(e, (r = referencesVariable(e, "oldSelf")));
  return r;
}

const NO_OLD = Symbol("no old value");
type Old = unknown | typeof NO_OLD;

/** upstream ruleErrorString: the rule's message if it has one, else the rule. */
const ruleErrorString = (r: Rule) => (r.message ? r.message.trim() : String(r.rule).trim());

/**
 * The errors of the rules in `schema` and below for `value` (`old`: the stored value on update).
 * `resourceRoot` is true for the root of a custom resource.
 */
export function validateRules(schema: JSONSchemaProps | undefined, value: unknown, old: unknown = NO_OLD, path = "", resourceRoot = true): FieldError[] {
  return walk(schema, value, old === undefined ? NO_OLD : old, path, resourceRoot, false);
}

function walk(schema: JSONSchemaProps | undefined, value: unknown, old: Old, path: string, resourceRoot: boolean, parentUnchanged: boolean): FieldError[] {
  if (!schema || value === undefined || value === null) return [];
  const hasOld = old !== NO_OLD && old !== null && old !== undefined;
  // Ratcheting: a correlated value that equals its old value; uncorrelated ones inherit the nearest correlated ancestor's.
  let unchangedMemo: boolean | undefined;
  const unchanged = () => (unchangedMemo ??= hasOld ? jsonEqual(value, old) : parentUnchanged);
  const errs = evaluateRules(schema, value, hasOld ? old : NO_OLD, path, resourceRoot, unchanged);
  const obj = value as Json;
  const prior = hasOld && typeof old === "object" && !Array.isArray(old) ? (old as Json) : undefined;
  const childUnchanged = () => (hasOld ? unchanged() : parentUnchanged);
  const child = (k: string) => (path ? `${path}.${k}` : k);
  if (typeof value === "object" && !Array.isArray(value)) {
    const correlatable = schema["x-kubernetes-map-type"] !== "atomic";
    const oldOf = (k: string): Old => (correlatable && prior && Object.hasOwn(prior, k) ? prior[k] : NO_OLD);
    if (schema.properties) {
      for (const [name, sub] of Object.entries(schema.properties)) {
        if (!Object.hasOwn(obj, name)) continue;
        errs.push(...walk(sub, obj[name], oldOf(name), child(name), !!sub?.["x-kubernetes-embedded-resource"], childUnchanged()));
      }
    }
    const ap = schema.additionalProperties;
    if (ap && typeof ap === "object") {
      for (const [k, v] of Object.entries(obj)) {
        if (schema.properties && Object.hasOwn(schema.properties, k)) continue;
        errs.push(...walk(ap, v, oldOf(k), child(k), !!ap["x-kubernetes-embedded-resource"], childUnchanged()));
      }
    }
  } else if (Array.isArray(value) && schema.items && !Array.isArray(schema.items)) {
    const items = schema.items;
    const keys = schema["x-kubernetes-list-type"] === "map" ? schema["x-kubernetes-list-map-keys"] ?? [] : undefined;
    const oldItems = Array.isArray(old) ? old : [];
    value.forEach((item, i) => {
      // Old elements correspond by their map keys in map lists; elsewhere there is no correlation.
      const match = keys?.length ? oldItems.find((o) => keys.every((k) => (o as Json)?.[k] === (item as Json)?.[k])) : undefined;
      errs.push(...walk(items, item, match ?? NO_OLD, `${path}[${i}]`, !!items["x-kubernetes-embedded-resource"], childUnchanged()));
    });
  }
  return errs;
}

function evaluateRules(schema: JSONSchemaProps, value: unknown, old: Old, path: string, resourceRoot: boolean, unchanged: () => boolean): FieldError[] {
  const rules = schema["x-kubernetes-validations"];
  if (!Array.isArray(rules) || rules.length === 0) return [];
  const errs: FieldError[] = [];
  const type = typeof schema.type === "string" ? schema.type : "";
  let self: CelValue | undefined;
  let oldSelf: CelValue | undefined;
  const selfValue = () => (self ??= schemaValue(value, schema, resourceRoot));
  const oldValue = () => (oldSelf ??= schemaValue(old, schema, resourceRoot));
  for (const r of rules as Rule[]) {
    if (typeof r?.rule !== "string" || !r.rule.trim()) continue;
    const e = compiled(r.rule);
    if (!e) continue;
    const transition = isTransition(e);
    const optionalOldSelf = r.optionalOldSelf === true;
    if (transition && old === NO_OLD && !optionalOldSelf) continue;
    // Bindings hold CEL values (markNative): a `type: number` 1 stays the double 1.0.
    const vars: Record<string, unknown> = markNative({ self: selfValue() });
    if (optionalOldSelf) vars.oldSelf = old === NO_OLD ? CelOptional.NONE : CelOptional.of(oldValue());
    else if (old !== NO_OLD) vars.oldSelf = oldValue();
    let result: unknown;
    try {
      result = evaluateCel(e, vars);
    } catch (err) {
      if (err instanceof UnsupportedCel) continue;
      if (!(err instanceof CelError)) throw err;
      errs.push(fieldErrors.invalid(path || "<nil>", type, runtimeErrorDetail(err, r)));
      continue;
    }
    if (result === true) continue;
    if (!transition && unchanged()) continue;
    const field = r.fieldPath ? `${path}${r.fieldPath}`.replace(/^\./, "") : path;
    // messageExpression sees oldSelf as a plain value (upstream's non-optional activation).
    const messageVars: Record<string, unknown> = markNative({ self: selfValue() });
    if (old !== NO_OLD) messageVars.oldSelf = oldValue();
    errs.push(errorForReason(field || "<nil>", type, messageOf(r, messageVars), r.reason));
  }
  return errs;
}

function runtimeErrorDetail(err: CelError, r: Rule): string {
  if (err.message.startsWith("no such overload") || err.message.startsWith("no matching overload")) {
    return `'${err.message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(r)}`;
  }
  return `${err.message} evaluating rule: ${ruleErrorString(r)}`;
}

function errorForReason(field: string, type: string, detail: string, reason: unknown): FieldError {
  switch (reason) {
    case "FieldValueForbidden": return fieldErrors.forbidden(field, detail);
    case "FieldValueRequired": return fieldErrors.required(field, detail);
    case "FieldValueDuplicate": return fieldErrors.duplicate(field, type);
    default: return fieldErrors.invalid(field, type, detail);
  }
}

/** upstream evalMessageExpression: a failing, non-string, empty or multi-line message falls back to the message. */
function messageOf(r: Rule, vars: Record<string, unknown>): string {
  if (typeof r.messageExpression === "string" && r.messageExpression.trim()) {
    const e = compiled(r.messageExpression);
    if (e) {
      try {
        const m = evaluateCel(e, vars);
        if (typeof m === "string" && m.trim() !== "" && !m.includes("\n") && m.trim().length <= 5120) return m.trim();
      } catch (err) {
        if (!(err instanceof CelError) && !(err instanceof UnsupportedCel)) throw err;
      }
    }
  }
  return r.message ? r.message.trim() : `failed rule: ${String(r.rule).trim()}`;
}
