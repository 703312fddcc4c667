/**
 * Structural validation of an API object against its declared type, with upstream's
 * fieldValidation semantics for unknown fields:
 *   Strict → each unknown field is an error `unknown field "spec.foo"` (the caller answers 400
 *            `strict decoding error: ...`, see strictDecodingMessage);
 *   Warn   → each becomes a warning text `unknown field "spec.foo"`;
 *   Ignore → silently dropped.
 * Type errors are errors in every mode. `value` is always the input minus unknown fields (the
 * input itself when nothing had to be dropped; a pruned copy otherwise).
 */
import * as v from "valibot";
import { BUILTIN_API } from "../builtin.ts";
import type { ApiRegistry } from "../registry.ts";
import { createCleanChecks } from "./clean-check.ts";
import { pruneUnknownFields } from "./prune.ts";
import { createValibotSchemas, UNKNOWN_FIELD, type AnySchema } from "./valibot-schemas.ts";

export type FieldValidationMode = "Strict" | "Warn" | "Ignore";

export interface StructureError {
  /** JSON path, e.g. `spec.template.spec.containers[0].ports[1].containerPort`. */
  readonly path: string;
  readonly message: string;
}

export interface StructureResult {
  /** False when the registry does not declare the kind (nothing was checked). */
  readonly known: boolean;
  readonly errors: readonly StructureError[];
  readonly warnings: readonly string[];
  readonly value: unknown;
}

export interface StructureValidator {
  validate(gvk: { group: string; version: string; kind: string }, obj: unknown, mode: FieldValidationMode): StructureResult;
  /** The valibot schema of a kind (undefined if not declared). */
  schemaFor(gvk: { group: string; version: string; kind: string }): AnySchema | undefined;
}

/** Builds a validator over a registry; schemas are built lazily and cached in the validator. */
export function createStructureValidator(registry: ApiRegistry = BUILTIN_API): StructureValidator {
  const schemas = createValibotSchemas(registry);
  const clean = createCleanChecks(registry);
  const schemaFor: StructureValidator["schemaFor"] = (gvk) => {
    const t = registry.kindType(gvk.group, gvk.version, gvk.kind);
    return t ? schemas.forType(t.key) : undefined;
  };
  return {
    schemaFor,
    validate(gvk, obj, mode) {
      const t = registry.kindType(gvk.group, gvk.version, gvk.kind);
      if (!t) return { known: false, errors: [], warnings: [], value: obj };
      // The common case, answered without valibot: nothing unknown, nothing mistyped.
      if (clean.forType(t.key)(obj)) return { known: true, errors: [], warnings: [], value: obj };
      const result = v.safeParse(schemas.forType(t.key), obj, { abortEarly: false });
      const errors: StructureError[] = [];
      const warnings: string[] = [];
      for (const issue of result.issues ?? []) {
        const path = issuePath(issue.path);
        if (issue.type === "raw_check" && issue.expected === UNKNOWN_FIELD) {
          const text = `unknown field "${path}"`;
          if (mode === "Strict") errors.push({ path, message: text });
          else if (mode === "Warn") warnings.push(text);
        } else {
          errors.push({ path, message: issue.message });
        }
      }
      // No issue at all means every object level was walked and had no unknown field, so pruning
      // would only copy `obj`: hand it back as is (the result's value may then be the input).
      const value = result.issues === undefined ? obj : pruneUnknownFields(registry, { k: "ref", key: t.key }, obj);
      return { known: true, errors, warnings, value };
    },
  };
}

/** The 400 message upstream sends for Strict failures, from unknown-field errors. */
export function strictDecodingMessage(errors: readonly StructureError[]): string {
  return `strict decoding error: ${errors.map((e) => e.message).join(", ")}`;
}

const defaultValidators = new WeakMap<ApiRegistry, StructureValidator>();

/** validate() with a validator over the built-in registry (memoized per registry). */
export function validateStructure(gvk: { group: string; version: string; kind: string }, obj: unknown, mode: FieldValidationMode): StructureResult {
  let validator = defaultValidators.get(BUILTIN_API);
  if (!validator) { validator = createStructureValidator(BUILTIN_API); defaultValidators.set(BUILTIN_API, validator); }
  return validator.validate(gvk, obj, mode);
}

function issuePath(path: readonly { key: unknown }[] | undefined): string {
  let out = "";
  for (const item of path ?? []) {
    if (typeof item.key === "number") out += `[${item.key}]`;
    else out += out ? `.${String(item.key)}` : String(item.key);
  }
  return out;
}
