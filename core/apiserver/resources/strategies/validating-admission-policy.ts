/**
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1):
 * upstream 1.32's v1 defaults (`pkg/apis/admissionregistration/v1/defaults.go`), registry strategies
 * (policy status cleared on create and written only through /status) and the structural part of
 * validation (`pkg/apis/admissionregistration/validation/validation.go`) with its field paths and
 * messages. CEL expressions (validations, messageExpressions, auditAnnotations, variables, match
 * conditions) are compiled as far as lite can without a type checker (crd/cel-check.ts): syntax,
 * undeclared references (the declared variables are object, oldObject, request, params,
 * namespaceObject, authorizer, authorizer.requestResource and variables, whose fields are the
 * policy's variable names, each variable seeing the ones before it) and undefined functions are
 * refused as upstream refuses them (`Invalid value: "<expression>": compilation failed: ERROR: ...`).
 * Type errors, which upstream reports as status warnings by its type-checking controller, are not.
 */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { goStringSlice } from "../../machinery/go-format.ts";
import { validateLabelSelector } from "../../validation/label-selector.ts";
import type { KObject, Strategy } from "../types.ts";
import { checkCel, NO_FIELD, type CheckEnv, type Shape } from "../../crd/cel-check.ts";
import { FAILURE_POLICIES, MATCH_POLICIES, validateMatchConditions, validateRuleWithOperations } from "./webhook-configuration.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const VALIDATION_ACTIONS = ["Audit", "Deny", "Warn"];
const PARAMETER_NOT_FOUND_ACTIONS = ["Allow", "Deny"];
const REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"];
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const CEL_RESERVED = new Set(["true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.map((x) => (isObject(x) ? x : {})) : []);

function defaultMatchResources(m: unknown): void {
  if (!isObject(m)) return;
  m.matchPolicy ??= "Equivalent";
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  for (const r of [...listOf(m.resourceRules), ...listOf(m.excludeResourceRules)]) r.scope ??= "*";
}

export const validatingAdmissionPolicyStrategy: Strategy = {
  statusMetadata: "reset", // ResetObjectMetaForStatus
  defaults(obj) {
    if (!isObject(obj.spec)) obj.spec = {};
    obj.spec.failurePolicy ??= "Fail";
    defaultMatchResources(obj.spec.matchConstraints);
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate: (obj) => validatePolicySpec(isObject(obj.spec) ? obj.spec : {}),
  validateUpdate: (obj) => validatePolicySpec(isObject(obj.spec) ? obj.spec : {}),
  validateStatusUpdate: (obj) => validatePolicyStatus(obj),
};

export const validatingAdmissionPolicyBindingStrategy: Strategy = {
  defaults(obj) {
    if (!isObject(obj.spec)) obj.spec = {};
    defaultMatchResources(obj.spec.matchResources);
  },
  validate: (obj) => validateBindingSpec(isObject(obj.spec) ? obj.spec : {}),
  validateUpdate: (obj) => validateBindingSpec(isObject(obj.spec) ? obj.spec : {}),
};

/** The compile environment of a policy's expressions: `variables` holds the first `n` variable names. */
function policyEnv(variableNames: readonly string[]): CheckEnv {
  const names = new Set(variableNames);
  const variables: Shape = { select: (f) => (names.has(f) ? undefined : NO_FIELD) };
  return {
    variables: new Map<string, Shape | undefined>([
      ["object", undefined], ["oldObject", undefined], ["request", undefined], ["params", undefined], ["namespaceObject", undefined],
      ["authorizer", undefined], ["authorizer.requestResource", undefined], ["variables", variables],
    ]),
  };
}

/** upstream convertCELErrorToValidationError of a compile error: Invalid with the expression. */
function compileErrors(expression: unknown, env: CheckEnv, path: string): FieldError[] {
  if (typeof expression !== "string" || !expression.trim()) return [];
  const issues = checkCel(expression, env);
  return issues ? [fieldErrors.invalid(path, expression, `compilation failed: ${issues}`)] : [];
}

function validatePolicySpec(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const variableNames = listOf(spec.variables).map((v) => String(v.name ?? ""));
  const env = policyEnv(variableNames);
  if (spec.failurePolicy != null && !FAILURE_POLICIES.includes(spec.failurePolicy)) {
    errs.push(fieldErrors.notSupported("spec.failurePolicy", spec.failurePolicy, FAILURE_POLICIES));
  }
  if (spec.paramKind != null) {
    const pk: Json = isObject(spec.paramKind) ? spec.paramKind : {};
    if (!pk.kind) errs.push(fieldErrors.required("spec.paramKind.kind", ""));
    if (!pk.apiVersion) errs.push(fieldErrors.required("spec.paramKind.apiVersion", ""));
    else if (String(pk.apiVersion).split("/").length > 2 || String(pk.apiVersion).endsWith("/")) {
      errs.push(fieldErrors.invalid("spec.paramKind.apiVersion", pk.apiVersion, "apiVersion must be of the form 'group/version' or 'version'"));
    }
  }
  if (!isObject(spec.matchConstraints)) errs.push(fieldErrors.required("spec.matchConstraints", ""));
  else {
    errs.push(...validateMatchResources(spec.matchConstraints, "spec.matchConstraints"));
    if (listOf(spec.matchConstraints.resourceRules).length === 0) errs.push(fieldErrors.required("spec.matchConstraints.resourceRules", ""));
  }
  const validations = listOf(spec.validations);
  const audits = listOf(spec.auditAnnotations);
  if (validations.length === 0 && audits.length === 0) {
    errs.push(fieldErrors.required("spec.validations", "validations or auditAnnotations must contain at least one item"));
  }
  validations.forEach((v, i) => {
    const path = `spec.validations[${i}]`;
    if (!String(v.expression ?? "").trim()) errs.push(fieldErrors.required(`${path}.expression`, ""));
    else errs.push(...compileErrors(v.expression, env, `${path}.expression`));
    errs.push(...compileErrors(v.messageExpression, env, `${path}.messageExpression`));
    if (typeof v.message === "string" && /[\r\n]/.test(v.message)) errs.push(fieldErrors.invalid(`${path}.message`, v.message, "message must not contain line breaks"));
    else if (typeof v.message === "string" && v.message.length > 0 && v.message.trim().length === 0) errs.push(fieldErrors.required(`${path}.message`, "message must be non-empty if specified"));
    if (v.reason != null && !REASONS.includes(v.reason)) errs.push(fieldErrors.notSupported(`${path}.reason`, v.reason, REASONS));
  });
  const keys = new Set<string>();
  audits.forEach((a, i) => {
    const path = `spec.auditAnnotations[${i}]`;
    const key = String(a.key ?? "");
    if (!key) errs.push(fieldErrors.required(`${path}.key`, ""));
    else if (keys.has(key)) errs.push(fieldErrors.duplicate(`${path}.key`, key));
    keys.add(key);
    if (!String(a.valueExpression ?? "").trim()) errs.push(fieldErrors.required(`${path}.valueExpression`, "valueExpression is not specified"));
    else errs.push(...compileErrors(a.valueExpression, env, `${path}.valueExpression`));
  });
  errs.push(...validateMatchConditions(spec.matchConditions, "spec.matchConditions", env));
  const names = new Set<string>();
  listOf(spec.variables).forEach((v, i) => {
    const path = `spec.variables[${i}]`;
    const name = String(v.name ?? "");
    if (!name) errs.push(fieldErrors.required(`${path}.name`, ""));
    else if (!CEL_IDENTIFIER.test(name) || CEL_RESERVED.has(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, "name is not a valid CEL identifier"));
    else if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
    names.add(name);
    if (!String(v.expression ?? "").trim()) errs.push(fieldErrors.required(`${path}.expression`, ""));
    else errs.push(...compileErrors(v.expression, policyEnv(variableNames.slice(0, i)), `${path}.expression`));
  });
  return errs;
}

function validateMatchResources(m: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (m.matchPolicy != null && !MATCH_POLICIES.includes(m.matchPolicy)) errs.push(fieldErrors.notSupported(`${path}.matchPolicy`, m.matchPolicy, MATCH_POLICIES));
  errs.push(...validateLabelSelector(m.namespaceSelector, `${path}.namespaceSelector`));
  errs.push(...validateLabelSelector(m.objectSelector, `${path}.objectSelector`));
  for (const field of ["resourceRules", "excludeResourceRules"]) {
    listOf(m[field]).forEach((r, i) => {
      errs.push(...validateRuleWithOperations(r, `${path}.${field}[${i}]`));
      const seen = new Set<string>();
      (Array.isArray(r.resourceNames) ? r.resourceNames : []).forEach((n: unknown, j: number) => {
        const name = String(n);
        if (seen.has(name)) errs.push(fieldErrors.duplicate(`${path}.${field}[${i}].resourceNames[${j}]`, name));
        seen.add(name);
      });
    });
  }
  return errs;
}

function validateBindingSpec(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.policyName) errs.push(fieldErrors.required("spec.policyName", ""));
  if (spec.paramRef != null) {
    const ref: Json = isObject(spec.paramRef) ? spec.paramRef : {};
    if (ref.name && ref.selector != null) errs.push(fieldErrors.forbidden("spec.paramRef.name", "name and selector are mutually exclusive"));
    if (!ref.name && ref.selector == null) errs.push(fieldErrors.required("spec.paramRef", "one of name or selector must be specified"));
    if (ref.selector != null) errs.push(...validateLabelSelector(ref.selector, "spec.paramRef.selector"));
    if (ref.parameterNotFoundAction == null) errs.push(fieldErrors.required("spec.paramRef.parameterNotFoundAction", ""));
    else if (!PARAMETER_NOT_FOUND_ACTIONS.includes(ref.parameterNotFoundAction)) {
      errs.push(fieldErrors.notSupported("spec.paramRef.parameterNotFoundAction", ref.parameterNotFoundAction, PARAMETER_NOT_FOUND_ACTIONS));
    }
  }
  if (isObject(spec.matchResources)) errs.push(...validateMatchResources(spec.matchResources, "spec.matchResources"));
  const actions: unknown[] = Array.isArray(spec.validationActions) ? spec.validationActions : [];
  if (actions.length === 0) errs.push(fieldErrors.required("spec.validationActions", "at least one validation action is required"));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    const action = String(a);
    if (seen.has(action)) errs.push(fieldErrors.duplicate(`spec.validationActions[${i}]`, action));
    seen.add(action);
    if (!VALIDATION_ACTIONS.includes(action)) errs.push(fieldErrors.notSupported(`spec.validationActions[${i}]`, action, VALIDATION_ACTIONS));
  });
  if (seen.has("Deny") && seen.has("Warn")) {
    errs.push({ type: "FieldValueInvalid", field: "spec.validationActions", body: `Invalid value: ${goStringSlice(actions.map(String))}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)` });
  }
  return errs;
}

function validatePolicyStatus(obj: KObject): FieldError[] {
  const status: Json = isObject(obj.status) ? obj.status : {};
  const errs: FieldError[] = [];
  listOf(status.conditions).forEach((c, i) => {
    if (!c.type) errs.push(fieldErrors.required(`status.conditions[${i}].type`, ""));
    if (!["True", "False", "Unknown"].includes(c.status)) errs.push(fieldErrors.notSupported(`status.conditions[${i}].status`, c.status ?? "", ["False", "True", "Unknown"]));
  });
  return errs;
}
