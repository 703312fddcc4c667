/**
 * Validation of a custom object against its CRD's openAPIV3Schema, with the semantics and
 * messages of kube-openapi's validator as apiextensions-apiserver reports them
 * (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`).
 * Paths are kube-openapi's: `spec.items[0].name`, map keys as `spec.labels.key`.
 */
import { schemaPattern } from "./schema-pattern.ts";
import { fieldErrors, type FieldError } from "../errors/index.ts";
import { checkFormat } from "./formats.ts";
import type { JSONSchemaProps } from "./types.ts";

const IN = "in body";

/** The JSON type name of a value, as kube-openapi infers it. */
export function jsonTypeOf(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string") return "string";
  return "object";
}

/** Types a schema admits: `x-kubernetes-int-or-string` means integer or string. */
function typesOf(s: JSONSchemaProps): string[] {
  if (s["x-kubernetes-int-or-string"]) return ["integer", "string"];
  return s.type ? [s.type] : [];
}

/** Go's %v of a number in messages (integers without a fraction). */
function num(n: number): string {
  return String(n);
}

function composite(detail: string): FieldError {
  // Composite (anyOf/allOf/oneOf/not) errors have no field in upstream's conversion.
  return fieldErrors.invalid("<nil>", "", detail);
}

export function validateAgainstSchema(schema: JSONSchemaProps, value: unknown, path = ""): FieldError[] {
  const errs: FieldError[] = [];
  const name = path || ".";
  const field = path;
  const types = typesOf(schema);
  if (value === null || value === undefined) {
    if (types.length > 0 && !schema.nullable) {
      errs.push(fieldErrors.typeInvalid(field, "null", `${name} ${IN} must be of type ${types.join(",")}: "null"`));
    }
    if (schema.enum && !schema.enum.some((e) => e === null)) errs.push(enumError(field, value ?? null, schema.enum));
    return errs;
  }
  const actual = jsonTypeOf(value);
  if (types.length > 0) {
    const ok = types.includes(actual) || (actual === "integer" && types.includes("number"));
    if (!ok) {
      errs.push(fieldErrors.typeInvalid(field, actual, `${name} ${IN} must be of type ${types.join(",")}: "${actual}"`));
      return errs;
    }
  }
  errs.push(...compositeChecks(schema, value, path));
  if (typeof value === "string") {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) errs.push(fieldErrors.tooLong(field, schema.maxLength));
    if (schema.minLength !== undefined && length < schema.minLength) errs.push(fieldErrors.invalid(field, value, `${name} ${IN} should be at least ${schema.minLength} chars long`));
    if (schema.pattern !== undefined) {
      const re = schemaPattern(schema.pattern);
      if (re instanceof Error) errs.push(fieldErrors.invalid(field, value, `${name} ${IN} should match '${schema.pattern}, but pattern is invalid'`));
      else if (!re.test(value)) errs.push(fieldErrors.invalid(field, value, `${name} ${IN} should match '${schema.pattern}'`));
    }
    if (schema.format && !types.some((t) => t === "integer" || t === "number")) {
      const ok = checkFormat(schema.format, value);
      if (ok === false) errs.push(fieldErrors.typeInvalid(field, value, `${name} ${IN} must be of type ${schema.format}: ${JSON.stringify(value)}`));
    }
  }
  if (typeof value === "number") {
    if (schema.multipleOf !== undefined && schema.multipleOf !== 0 && !Number.isInteger(value / schema.multipleOf)) {
      errs.push(fieldErrors.invalid(field, value, `${name} ${IN} should be a multiple of ${num(schema.multipleOf)}`));
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      errs.push(fieldErrors.invalid(field, value, `${name} ${IN} should be less than ${schema.exclusiveMaximum ? "" : "or equal to "}${num(schema.maximum)}`));
    }
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      errs.push(fieldErrors.invalid(field, value, `${name} ${IN} should be greater than ${schema.exclusiveMinimum ? "" : "or equal to "}${num(schema.minimum)}`));
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push(fieldErrors.tooMany(field, value.length, schema.maxItems));
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(fieldErrors.invalid(field, value.length, `${name} ${IN} should have at least ${schema.minItems} items`));
    if (schema.uniqueItems) {
      const seen = new Set(value.map((v) => JSON.stringify(v)));
      if (seen.size !== value.length) errs.push(fieldErrors.invalid(field, "", `${name} ${IN} shouldn't contain duplicates`));
    }
    const items = Array.isArray(schema.items) ? undefined : schema.items;
    if (items) value.forEach((v, i) => errs.push(...validateAgainstSchema(items, v, `${path}[${i}]`)));
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errs.push(enumError(field, value, schema.enum));
  if (actual === "object") errs.push(...objectChecks(schema, value as Record<string, unknown>, path));
  return errs;
}

function enumError(field: string, value: unknown, values: unknown[]): FieldError {
  return fieldErrors.notSupported(field, value, values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))));
}

function objectChecks(schema: JSONSchemaProps, obj: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = path || ".";
  const keys = Object.keys(obj);
  if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
    errs.push(fieldErrors.invalid(path, keys.length, `${name} ${IN} should have at least ${schema.minProperties} properties`));
  }
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) errs.push(fieldErrors.tooMany(path, keys.length, schema.maxProperties));
  const props = schema.properties ?? {};
  const child = (k: string) => (path ? `${path}.${k}` : k);
  if (schema.additionalProperties === false) {
    for (const k of keys) if (!(k in props)) errs.push(fieldErrors.invalid(path, "", `${name}.${k} ${IN} is a forbidden property`));
  } else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    const ap = schema.additionalProperties;
    for (const k of keys) if (!(k in props)) errs.push(...validateAgainstSchema(ap, obj[k], child(k)));
  }
  for (const [k, s] of Object.entries(props)) {
    if (k in obj) errs.push(...validateAgainstSchema(s, obj[k], child(k)));
  }
  for (const k of schema.required ?? []) if (!(k in obj)) errs.push(fieldErrors.required(child(k)));
  return errs;
}

function compositeChecks(schema: JSONSchemaProps, value: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const quoted = JSON.stringify(path);
  if (schema.allOf?.length) {
    const results = schema.allOf.map((s) => validateAgainstSchema(s, value, path));
    const failed = results.filter((r) => r.length > 0);
    if (failed.length > 0) {
      errs.push(composite(`${quoted} must validate all the schemas (allOf)${failed.length === results.length ? ". None validated" : ""}`));
      for (const r of failed) errs.push(...r);
    }
  }
  if (schema.anyOf?.length) {
    const results = schema.anyOf.map((s) => validateAgainstSchema(s, value, path));
    if (!results.some((r) => r.length === 0)) {
      errs.push(composite(`${quoted} must validate at least one schema (anyOf)`));
      errs.push(...(results[0] ?? []));
    }
  }
  if (schema.oneOf?.length) {
    const results = schema.oneOf.map((s) => validateAgainstSchema(s, value, path));
    const valid = results.filter((r) => r.length === 0).length;
    if (valid !== 1) {
      errs.push(composite(`${quoted} must validate one and only one schema (oneOf). ${valid === 0 ? "Found none valid" : `Found ${valid} valid alternatives`}`));
      if (valid === 0) errs.push(...(results[0] ?? []));
    }
  }
  if (schema.not && validateAgainstSchema(schema.not, value, path).length === 0) {
    errs.push(composite(`${quoted} must not validate the schema (not)`));
  }
  return errs;
}
