/**
 * MutatingWebhookConfiguration and ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1):
 * upstream 1.32's v1 defaults (`pkg/apis/admissionregistration/v1/defaults.go`) and validation
 * (`pkg/apis/admissionregistration/validation/validation.go`), with its field paths and messages.
 * CEL match-condition expressions are checked to be non-empty and to compile as far as lite can
 * without a type checker (crd/cel-check.ts: syntax, undeclared variables, undefined functions; the
 * variables are object, oldObject, request, authorizer and authorizer.requestResource), refused with
 * "compilation failed" as upstream's compiler refuses them; the few CEL forms core/cel does not
 * parse are accepted.
 */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { goQuote, goStringSlice } from "../../machinery/go-format.ts";
import { isDNS1123Subdomain, isQualifiedName } from "../../machinery/label-validation.ts";
import { jsonEqual } from "../../machinery/json-value.ts";
import { validateLabelSelector } from "../../validation/label-selector.ts";
import { checkDns1035Label } from "../../validation/names.ts";
import { validateWebhookService, validateWebhookURL } from "../../validation/webhook-client.ts";
import { checkCel, type CheckEnv } from "../../crd/cel-check.ts";
import type { KObject, Strategy } from "../types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

// Supported values, sorted as upstream's sets.String.List() prints them.
export const FAILURE_POLICIES = ["Fail", "Ignore"];
export const MATCH_POLICIES = ["Equivalent", "Exact"];
const REINVOCATION_POLICIES = ["IfNeeded", "Never"];
const SIDE_EFFECT_CLASSES = ["None", "NoneOnDryRun", "Some", "Unknown"];
const NO_SIDE_EFFECT_CLASSES = ["None", "NoneOnDryRun"];
const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const SCOPES = ["*", "Cluster", "Namespaced"];
/** AdmissionReview versions the API server accepts (upstream AcceptedAdmissionReviewVersions). */
const ACCEPTED_REVIEW_VERSIONS = ["v1", "v1beta1"];
const MAX_MATCH_CONDITIONS = 64;

/** What an update may keep that a create may not: upstream's validationOptions, derived from the old object. */
interface ValidationOptions {
  readonly ignoreMatchConditions: boolean;
  readonly requireNoSideEffects: boolean;
  readonly requireRecognizedAdmissionReviewVersion: boolean;
  readonly requireUniqueWebhookNames: boolean;
  readonly allowInvalidLabelValueInSelector: boolean;
}

const CREATE_OPTIONS: ValidationOptions = {
  ignoreMatchConditions: false, requireNoSideEffects: true, requireRecognizedAdmissionReviewVersion: true,
  requireUniqueWebhookNames: true, allowInvalidLabelValueInSelector: false,
};

export const mutatingWebhookConfigurationStrategy: Strategy = webhookConfigurationStrategy(true);
export const validatingWebhookConfigurationStrategy: Strategy = webhookConfigurationStrategy(false);

function webhookConfigurationStrategy(mutating: boolean): Strategy {
  return {
    defaults(obj) {
      for (const hook of webhooksOf(obj)) defaultWebhook(hook, mutating);
    },
    validate: (obj) => validateConfiguration(obj, mutating, CREATE_OPTIONS),
    validateUpdate: (obj, old) => validateConfiguration(obj, mutating, updateOptions(webhooksOf(obj), webhooksOf(old))),
  };
}

function webhooksOf(obj: KObject): Json[] {
  return Array.isArray(obj.webhooks) ? obj.webhooks.filter((h: unknown) => h !== null && typeof h === "object") : [];
}

function defaultWebhook(hook: Json, mutating: boolean): void {
  hook.failurePolicy ??= "Fail";
  hook.matchPolicy ??= "Equivalent";
  hook.namespaceSelector ??= {};
  hook.objectSelector ??= {};
  hook.timeoutSeconds ??= 10;
  if (mutating) hook.reinvocationPolicy ??= "Never";
  for (const rule of Array.isArray(hook.rules) ? hook.rules : []) {
    if (rule !== null && typeof rule === "object") rule.scope ??= "*";
  }
  const service = hook.clientConfig?.service;
  if (service !== null && typeof service === "object") service.port ??= 443;
}

function updateOptions(hooks: Json[], oldHooks: Json[]): ValidationOptions {
  const names = oldHooks.map((h) => h.name ?? "");
  return {
    // Unchanged match conditions are not revalidated (they may predate a stricter CEL environment).
    ignoreMatchConditions: hooks.length === oldHooks.length && hooks.every((h, i) => jsonEqual(h.matchConditions ?? null, oldHooks[i]?.matchConditions ?? null)),
    requireNoSideEffects: oldHooks.every((h) => NO_SIDE_EFFECT_CLASSES.includes(h.sideEffects)),
    requireRecognizedAdmissionReviewVersion: oldHooks.every((h) => {
      const versions = stringsOf(h.admissionReviewVersions);
      return versions.length === 0 || versions.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v));
    }),
    requireUniqueWebhookNames: new Set(names).size === names.length,
    allowInvalidLabelValueInSelector: oldHooks.some((h) =>
      validateLabelSelector(h.namespaceSelector, "").length > 0 || validateLabelSelector(h.objectSelector, "").length > 0),
  };
}

function validateConfiguration(obj: KObject, mutating: boolean, opts: ValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const hooks: unknown[] = Array.isArray(obj.webhooks) ? obj.webhooks : [];
  hooks.forEach((raw, i) => {
    const hook: Json = raw !== null && typeof raw === "object" ? raw : {};
    const path = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook, mutating, opts, path));
    errs.push(...validateAdmissionReviewVersions(hook.admissionReviewVersions, opts.requireRecognizedAdmissionReviewVersion, `${path}.admissionReviewVersions`));
    const name = typeof hook.name === "string" ? hook.name : "";
    if (opts.requireUniqueWebhookNames && name.length > 0) {
      if (seen.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
      else seen.add(name);
    }
  });
  return errs;
}

function validateWebhook(hook: Json, mutating: boolean, opts: ValidationOptions, path: string): FieldError[] {
  const errs: FieldError[] = [...validateFullyQualifiedName(typeof hook.name === "string" ? hook.name : "", `${path}.name`)];
  const rules: unknown[] = Array.isArray(hook.rules) ? hook.rules : [];
  rules.forEach((rule, i) => errs.push(...validateRuleWithOperations(rule !== null && typeof rule === "object" ? rule as Json : {}, `${path}.rules[${i}]`)));
  if (hook.failurePolicy != null && !FAILURE_POLICIES.includes(hook.failurePolicy)) {
    errs.push(fieldErrors.notSupported(`${path}.failurePolicy`, hook.failurePolicy, FAILURE_POLICIES));
  }
  if (hook.matchPolicy != null && !MATCH_POLICIES.includes(hook.matchPolicy)) {
    errs.push(fieldErrors.notSupported(`${path}.matchPolicy`, hook.matchPolicy, MATCH_POLICIES));
  }
  const allowedSideEffects = opts.requireNoSideEffects ? NO_SIDE_EFFECT_CLASSES : SIDE_EFFECT_CLASSES;
  if (hook.sideEffects == null) {
    errs.push(fieldErrors.required(`${path}.sideEffects`, `must specify one of ${allowedSideEffects.join(", ")}`));
  } else if (!allowedSideEffects.includes(hook.sideEffects)) {
    errs.push(fieldErrors.notSupported(`${path}.sideEffects`, hook.sideEffects, allowedSideEffects));
  }
  const timeout = hook.timeoutSeconds;
  if (timeout != null && (typeof timeout !== "number" || timeout > 30 || timeout < 1)) {
    errs.push(fieldErrors.invalid(`${path}.timeoutSeconds`, timeout, "the timeout value must be between 1 and 30 seconds"));
  }
  const selectorOpts = { allowInvalidLabelValueInSelector: opts.allowInvalidLabelValueInSelector };
  errs.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`, selectorOpts));
  errs.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`, selectorOpts));
  if (mutating && hook.reinvocationPolicy != null && !REINVOCATION_POLICIES.includes(hook.reinvocationPolicy)) {
    errs.push(fieldErrors.notSupported(`${path}.reinvocationPolicy`, hook.reinvocationPolicy, REINVOCATION_POLICIES));
  }
  errs.push(...validateClientConfig(hook.clientConfig ?? {}, `${path}.clientConfig`));
  if (!opts.ignoreMatchConditions) errs.push(...validateMatchConditions(hook.matchConditions, `${path}.matchConditions`));
  return errs;
}

/** upstream utilvalidation.IsFullyQualifiedName. */
function validateFullyQualifiedName(name: string, path: string): FieldError[] {
  if (name.length === 0) return [fieldErrors.required(path, "")];
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [fieldErrors.invalid(path, name, errs.join(","))];
  if (name.split(".").length < 3) return [fieldErrors.invalid(path, name, "should be a domain with at least three segments separated by dots")];
  return [];
}

function validateClientConfig(cc: Json, path: string): FieldError[] {
  const hasURL = cc.url != null;
  const hasService = cc.service != null;
  if (hasURL === hasService) return [fieldErrors.required(path, "exactly one of url or service is required")];
  if (hasURL) return validateWebhookURL(`${path}.url`, String(cc.url));
  return validateWebhookService(`${path}.service`, typeof cc.service === "object" ? cc.service : {});
}

export function validateRuleWithOperations(rule: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const operations = stringsOf(rule.operations);
  if (operations.length === 0) errs.push(fieldErrors.required(`${path}.operations`, ""));
  if (operations.length > 1 && operations.includes("*")) {
    errs.push(invalidList(`${path}.operations`, `[]admissionregistration.OperationType{${operations.map(goQuote).join(", ")}}`, "if '*' is present, must not specify other operations"));
  }
  operations.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(fieldErrors.notSupported(`${path}.operations[${i}]`, op, OPERATIONS));
  });
  return [...errs, ...validateRule(rule, path)];
}

/** upstream validateRule with allowSubResource (always true for webhooks). The Rule is inline, so its fields sit at `path`. */
function validateRule(rule: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const groups = stringsOf(rule.apiGroups);
  if (groups.length === 0) errs.push(fieldErrors.required(`${path}.apiGroups`, ""));
  if (groups.length > 1 && groups.includes("*")) errs.push(invalidList(`${path}.apiGroups`, goStringSlice(groups), "if '*' is present, must not specify other API groups"));
  // A group may be empty (the legacy "v1" API); a version may not.
  const versions = stringsOf(rule.apiVersions);
  if (versions.length === 0) errs.push(fieldErrors.required(`${path}.apiVersions`, ""));
  if (versions.length > 1 && versions.includes("*")) errs.push(invalidList(`${path}.apiVersions`, goStringSlice(versions), "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => { if (v === "") errs.push(fieldErrors.required(`${path}.apiVersions[${i}]`, "")); });
  errs.push(...validateResources(stringsOf(rule.resources), `${path}.resources`));
  if (rule.scope != null && !SCOPES.includes(rule.scope)) errs.push(fieldErrors.notSupported(`${path}.scope`, rule.scope, SCOPES));
  return errs;
}

/** upstream validateResources: `res`, `res/sub`, and the wildcard forms `*`, `res/*`, `*\/sub`, `*\/*` without overlap. */
function validateResources(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(fieldErrors.required(path, ""));
  const withWildcardSubresource = new Set<string>(); // x/*
  const subresourcesWithWildcardResource = new Set<string>(); // */x
  let hasDoubleWildcard = false;
  let hasSingleWildcard = false;
  let hasResourceWithoutSubresource = false;
  resources.forEach((resSub, i) => {
    if (resSub === "") {
      errs.push(fieldErrors.required(`${path}[${i}]`, ""));
      return;
    }
    if (resSub === "*/*") hasDoubleWildcard = true;
    if (resSub === "*") hasSingleWildcard = true;
    const slash = resSub.indexOf("/");
    if (slash < 0) {
      // Upstream assigns (not ORs) this flag, so only the last plain entry counts.
      hasResourceWithoutSubresource = resSub !== "*";
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (withWildcardSubresource.has(res)) errs.push(fieldErrors.invalid(`${path}[${i}]`, resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (subresourcesWithWildcardResource.has(sub)) errs.push(fieldErrors.invalid(`${path}[${i}]`, resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === "*") withWildcardSubresource.add(res);
    if (res === "*") subresourcesWithWildcardResource.add(sub);
  });
  if (resources.length > 1 && hasDoubleWildcard) errs.push(invalidList(path, goStringSlice(resources), "if '*/*' is present, must not specify other resources"));
  if (hasSingleWildcard && hasResourceWithoutSubresource) errs.push(invalidList(path, goStringSlice(resources), "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

function validateAdmissionReviewVersions(raw: unknown, requireRecognized: boolean, path: string): FieldError[] {
  const versions = stringsOf(raw);
  if (versions.length < 1) return [fieldErrors.required(path, `must specify one of ${ACCEPTED_REVIEW_VERSIONS.join(", ")}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let hasAccepted = false;
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(fieldErrors.invalid(`${path}[${i}]`, v, "duplicate version"));
      return;
    }
    seen.add(v);
    for (const m of checkDns1035Label(v)) errs.push(fieldErrors.invalid(`${path}[${i}]`, v, m));
    if (ACCEPTED_REVIEW_VERSIONS.includes(v)) hasAccepted = true;
  });
  if (requireRecognized && !hasAccepted) {
    errs.push(invalidList(path, goStringSlice(versions), `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(", ")}`));
  }
  return errs;
}

/** The variables of webhook match conditions (upstream's matchconditions compiler). */
const WEBHOOK_ENV: CheckEnv = {
  variables: new Map([["object", undefined], ["oldObject", undefined], ["request", undefined], ["authorizer", undefined], ["authorizer.requestResource", undefined]]),
};

export function validateMatchConditions(raw: unknown, path: string, env: CheckEnv = WEBHOOK_ENV): FieldError[] {
  const conditions: unknown[] = Array.isArray(raw) ? raw : [];
  const errs: FieldError[] = [];
  if (conditions.length > MAX_MATCH_CONDITIONS) errs.push(fieldErrors.tooMany(path, conditions.length, MAX_MATCH_CONDITIONS));
  const names = new Set<string>();
  conditions.forEach((c, i) => {
    const cond: Json = c !== null && typeof c === "object" ? c : {};
    const name = typeof cond.name === "string" ? cond.name : "";
    const expression = typeof cond.expression === "string" ? cond.expression : "";
    if (expression.trim().length === 0) errs.push(fieldErrors.required(`${path}[${i}].expression`, ""));
    else {
      const issues = checkCel(expression, env);
      if (issues) errs.push(fieldErrors.invalid(`${path}[${i}].expression`, expression, `compilation failed: ${issues}`));
    }
    if (name.length === 0) errs.push(fieldErrors.required(`${path}[${i}].name`, ""));
    else for (const m of isQualifiedName(name)) errs.push(fieldErrors.invalid(`${path}[${i}].name`, name, m));
    if (name.length > 0) {
      if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}[${i}].name`, name));
      else names.add(name);
    }
  });
  return errs;
}

/** field.Invalid of a slice value, printed as Go's `%#v` does (`goValue` is that text). */
function invalidList(field: string, goValue: string, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, body: `Invalid value: ${goValue}: ${detail}` };
}

function stringsOf(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.map((v) => (typeof v === "string" ? v : String(v))) : [];
}
