/**
 * FlowSchema and PriorityLevelConfiguration (flowcontrol.apiserver.k8s.io/v1): upstream 1.32's v1
 * defaults (`pkg/apis/flowcontrol/v1/defaults.go`), registry strategies (`pkg/registry/flowcontrol/*`:
 * status cleared on create, status written only through the subresource, generation bumped on spec
 * changes) and validation (`pkg/apis/flowcontrol/validation/validation.go`), with its field paths and
 * messages; a zero nominalConcurrencyShares is allowed (ZeroLimitedNominalConcurrencyShares, GA in 1.30).
 * Whole-struct values in messages (the fixed specs of the mandatory objects) are shown as JSON, not Go's %#v.
 */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { goQuote, goStringSlice } from "../../machinery/go-format.ts";
import { formatTime } from "../../../kube-time.ts";
import { checkDns1123Label, checkDns1123Subdomain } from "../../validation/names.ts";
import type { KObject, Strategy } from "../types.ts";
import {
  FLOW_SCHEMA_EXEMPT, PRIORITY_LEVEL_EXEMPT, mandatoryFlowSchema, mandatoryPriorityLevelConfiguration,
} from "./flow-control-configuration.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const MAX_MATCHING_PRECEDENCE = 10000;
const DEFAULT_MATCHING_PRECEDENCE = 1000;
const DEFAULT_NOMINAL_CONCURRENCY_SHARES = 30;
const DEFAULT_QUEUES = 64;
const DEFAULT_HAND_SIZE = 8;
const DEFAULT_QUEUE_LENGTH_LIMIT = 50;
const MAX_QUEUES = 10_000_000;
/** shufflesharding.MaxHashBits. */
const MAX_HASH_BITS = 60;
/** The v1beta3 round-trip annotation, which no stored object may carry. */
const PRESERVE_ZERO_SHARES_ANNOTATION = "flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares";

// Supported values, sorted as upstream's sets.String.List() prints them.
const DISTINGUISHER_METHODS = ["ByNamespace", "ByUser"];
const SUBJECT_KINDS = ["Group", "ServiceAccount", "User"];
const PRIORITY_LEVEL_TYPES = ["Exempt", "Limited"];
const LIMIT_RESPONSE_TYPES = ["Queue", "Reject"];
const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"];
const NS_ERR_INTRO = "each member of this list must be '*' or a DNS-1123 label; ";

/** The FlowSchema condition the APF controller maintains. */
export const DANGLING_CONDITION = "Dangling";

export const flowSchemaStrategy: Strategy = {
  statusMetadata: "reset",
  defaults(obj) {
    const spec = objectAt(obj, "spec");
    if (!spec.matchingPrecedence) spec.matchingPrecedence = DEFAULT_MATCHING_PRECEDENCE;
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate: (obj) => validateFlowSchema(obj),
  validateUpdate: (obj) => validateFlowSchema(obj),
  validateStatusUpdate: (obj) => validateConditions(obj.status),
};

export const priorityLevelConfigurationStrategy: Strategy = {
  statusMetadata: "reset",
  defaults(obj) {
    defaultPriorityLevelSpec(objectAt(obj, "spec"));
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate: (obj) => validatePriorityLevelConfiguration(obj),
  validateUpdate: (obj) => validatePriorityLevelConfiguration(obj),
  validateStatusUpdate: (obj) => validateConditions(obj.status),
};

/** upstream SetObjectDefaults_PriorityLevelConfiguration, on a spec. */
export function defaultPriorityLevelSpec(spec: Json): void {
  const limited = spec.limited;
  if (isObject(limited)) {
    limited.nominalConcurrencyShares ??= DEFAULT_NOMINAL_CONCURRENCY_SHARES;
    limited.lendablePercent ??= 0;
    const queuing = limited.limitResponse?.queuing;
    if (isObject(queuing)) {
      if (!queuing.handSize) queuing.handSize = DEFAULT_HAND_SIZE;
      if (!queuing.queues) queuing.queues = DEFAULT_QUEUES;
      if (!queuing.queueLengthLimit) queuing.queueLengthLimit = DEFAULT_QUEUE_LENGTH_LIMIT;
    }
  }
  const exempt = spec.exempt;
  if (isObject(exempt)) {
    exempt.nominalConcurrencyShares ??= 0;
    exempt.lendablePercent ??= 0;
  }
}

// ---------------------------------------------------------------------------------------------
// FlowSchema

export function validateFlowSchema(obj: KObject): FieldError[] {
  const name = obj.metadata.name ?? "";
  const spec: Json = isObject(obj.spec) ? obj.spec : {};
  const errs = validateFlowSchemaSpec(name, spec);
  const mandatory = mandatoryFlowSchema(name);
  if (mandatory && !flowSchemaSpecsEqual(spec, mandatory.spec)) {
    errs.push(fieldErrors.invalid("spec", spec, `spec of '${name}' must equal the fixed value`));
  }
  errs.push(...validateConditions(obj.status));
  return errs;
}

function validateFlowSchemaSpec(name: string, spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const precedence = numberOf(spec.matchingPrecedence);
  if (precedence <= 0) errs.push(fieldErrors.invalid("spec.matchingPrecedence", precedence, "must be a positive value"));
  if (precedence > MAX_MATCHING_PRECEDENCE) errs.push(fieldErrors.invalid("spec.matchingPrecedence", precedence, `must not be greater than ${MAX_MATCHING_PRECEDENCE}`));
  if (precedence === 1 && name !== FLOW_SCHEMA_EXEMPT) {
    errs.push(fieldErrors.invalid("spec.matchingPrecedence", precedence, "only the schema named 'exempt' may have matchingPrecedence 1"));
  }
  if (isObject(spec.distinguisherMethod)) {
    const type = stringOf(spec.distinguisherMethod.type);
    if (!DISTINGUISHER_METHODS.includes(type)) {
      errs.push(notSupportedGo("spec.distinguisherMethod.type", `flowcontrol.FlowDistinguisherMethod{Type:${goQuote(type)}}`, DISTINGUISHER_METHODS));
    }
  }
  const plName = stringOf(spec.priorityLevelConfiguration?.name);
  if (plName.length > 0) {
    for (const m of checkDns1123Subdomain(plName)) errs.push(fieldErrors.invalid("spec.priorityLevelConfiguration.name", plName, m));
  } else {
    errs.push(fieldErrors.required("spec.priorityLevelConfiguration.name", "must reference a priority level"));
  }
  listOf(spec.rules).forEach((rule, i) => errs.push(...validatePolicyRulesWithSubjects(objectOr(rule), `spec.rules[${i}]`)));
  return errs;
}

function validatePolicyRulesWithSubjects(rule: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const subjects = listOf(rule.subjects);
  if (subjects.length > 0) subjects.forEach((s, i) => errs.push(...validateSubject(objectOr(s), `${path}.subjects[${i}]`)));
  else errs.push(fieldErrors.required(`${path}.subjects`, "subjects must contain at least one value"));
  const resourceRules = listOf(rule.resourceRules);
  const nonResourceRules = listOf(rule.nonResourceRules);
  if (resourceRules.length === 0 && nonResourceRules.length === 0) {
    errs.push(fieldErrors.required(path, "at least one of resourceRules and nonResourceRules has to be non-empty"));
  }
  resourceRules.forEach((r, i) => errs.push(...validateResourcePolicyRule(objectOr(r), `${path}.resourceRules[${i}]`)));
  nonResourceRules.forEach((r, i) => errs.push(...validateNonResourcePolicyRule(objectOr(r), `${path}.nonResourceRules[${i}]`)));
  return errs;
}

const FORBIDDEN_UNLESS = {
  user: "user is forbidden when subject kind is not 'User'",
  group: "group is forbidden when subject kind is not 'Group'",
  serviceAccount: "serviceAccount is forbidden when subject kind is not 'ServiceAccount'",
} as const;

function validateSubject(subject: Json, path: string): FieldError[] {
  const kind = stringOf(subject.kind);
  const errs: FieldError[] = [];
  const forbid = (...fields: (keyof typeof FORBIDDEN_UNLESS)[]) => {
    for (const f of fields) if (subject[f] != null) errs.push(fieldErrors.forbidden(`${path}.${f}`, FORBIDDEN_UNLESS[f]));
  };
  switch (kind) {
    case "ServiceAccount": {
      const sa = subject.serviceAccount;
      if (sa == null) {
        errs.push(fieldErrors.required(`${path}.serviceAccount`, "serviceAccount is required when subject kind is 'ServiceAccount'"));
      } else {
        const name = stringOf(sa.name);
        const namespace = stringOf(sa.namespace);
        if (name.length === 0) errs.push(fieldErrors.required(`${path}.serviceAccount.name`));
        else if (name !== "*") for (const m of checkDns1123Subdomain(name)) errs.push(fieldErrors.invalid(`${path}.serviceAccount.name`, name, m));
        if (namespace.length > 0) for (const m of checkDns1123Label(namespace)) errs.push(fieldErrors.invalid(`${path}.serviceAccount.namespace`, namespace, m));
        else errs.push(fieldErrors.required(`${path}.serviceAccount.namespace`, "must specify namespace for service account"));
      }
      forbid("user", "group");
      break;
    }
    case "User":
    case "Group": {
      const field = kind === "User" ? "user" : "group";
      const named = subject[field];
      if (named == null) errs.push(fieldErrors.required(`${path}.${field}`, `${field} is required when subject kind is '${kind}'`));
      else if (stringOf(named.name).length === 0) errs.push(fieldErrors.required(`${path}.${field}.name`));
      forbid("serviceAccount", kind === "User" ? "group" : "user");
      break;
    }
    default:
      errs.push(fieldErrors.notSupported(`${path}.kind`, kind, SUBJECT_KINDS));
  }
  return errs;
}

function validateVerbs(verbs: string[], path: string): FieldError[] {
  if (verbs.length === 0) return [fieldErrors.required(path, "verbs must contain at least one value")];
  if (verbs.includes("*")) return verbs.length > 1 ? [invalidList(path, verbs, "if '*' is present, must not specify other verbs")] : [];
  if (!verbs.every((v) => VERBS.includes(v))) return [notSupportedGo(path, goStringSlice(verbs), VERBS)];
  return [];
}

function validateNonResourcePolicyRule(rule: Json, path: string): FieldError[] {
  const errs = validateVerbs(stringsOf(rule.verbs), `${path}.verbs`);
  const urls = stringsOf(rule.nonResourceURLs);
  if (urls.length === 0) {
    errs.push(fieldErrors.required(`${path}.nonResourceURLs`, "nonResourceURLs must contain at least one value"));
  } else if (urls.includes("*")) {
    if (urls.length > 1) errs.push(invalidList(`${path}.nonResourceURLs`, urls, "if '*' is present, must not specify other non-resource URLs"));
  } else {
    urls.forEach((url, i) => {
      const msg = nonResourceURLPathError(url);
      if (msg) errs.push(fieldErrors.invalid(`${path}.nonResourceURLs[${i}]`, url, msg));
    });
  }
  return errs;
}

/** upstream ValidateNonResourceURLPath: a leading slash, no blanks or `//`, `*` only as a trailing `/*`. */
export function nonResourceURLPathError(path: string): string | undefined {
  if (path.length === 0) return "must not be empty";
  if (path === "/") return undefined;
  if (!path.startsWith("/")) return "must start with slash";
  if (path.includes(" ")) return "must not contain white-space";
  if (path.includes("//")) return "must not contain double slash";
  const wildcards = path.split("*").length - 1;
  if (wildcards > 1 || (wildcards === 1 && !path.endsWith("/*"))) return "wildcard can only do suffix matching";
  return undefined;
}

function validateResourcePolicyRule(rule: Json, path: string): FieldError[] {
  const errs = validateVerbs(stringsOf(rule.verbs), `${path}.verbs`);
  const groups = stringsOf(rule.apiGroups);
  if (groups.length === 0) errs.push(fieldErrors.required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  else if (groups.length > 1 && groups.includes("*")) errs.push(invalidList(`${path}.apiGroups`, groups, "if '*' is present, must not specify other api groups"));
  const resources = stringsOf(rule.resources);
  if (resources.length === 0) errs.push(fieldErrors.required(`${path}.resources`, "resource rules must supply at least one resource"));
  else if (resources.length > 1 && resources.includes("*")) errs.push(invalidList(`${path}.resources`, resources, "if '*' is present, must not specify other resources"));
  const namespaces = stringsOf(rule.namespaces);
  if (namespaces.length === 0 && rule.clusterScope !== true) {
    errs.push(fieldErrors.required(`${path}.namespaces`, "resource rules that are not cluster scoped must supply at least one namespace"));
  } else if (namespaces.includes("*")) {
    if (namespaces.length > 1) errs.push(invalidList(`${path}.namespaces`, namespaces, "if '*' is present, must not specify other namespaces"));
  } else {
    namespaces.forEach((ns, i) => {
      for (const m of checkDns1123Label(ns)) errs.push(fieldErrors.invalid(`${path}.namespaces[${i}]`, ns, NS_ERR_INTRO + m));
    });
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// PriorityLevelConfiguration

export function validatePriorityLevelConfiguration(obj: KObject): FieldError[] {
  const name = obj.metadata.name ?? "";
  const spec: Json = isObject(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  if (obj.metadata.annotations && Object.hasOwn(obj.metadata.annotations, PRESERVE_ZERO_SHARES_ANNOTATION)) {
    errs.push(fieldErrors.forbidden("metadata.annotations", `annotation '${PRESERVE_ZERO_SHARES_ANNOTATION}' is forbidden`));
  }
  errs.push(...validatePriorityLevelSpec(name, spec));
  errs.push(...validateMandatoryPriorityLevel(name, spec));
  errs.push(...validateConditions(obj.status));
  return errs;
}

function validatePriorityLevelSpec(name: string, spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const type = stringOf(spec.type);
  if ((name === PRIORITY_LEVEL_EXEMPT) !== (type === "Exempt")) {
    errs.push(fieldErrors.invalid("spec.type", type, "type must be 'Exempt' if and only if name is 'exempt'"));
  }
  switch (type) {
    case "Exempt":
      if (spec.limited != null) errs.push(fieldErrors.forbidden("spec.limited", "must be nil if the type is not Limited"));
      if (spec.exempt != null) errs.push(...validateExemptPriorityLevel(objectOr(spec.exempt)));
      break;
    case "Limited":
      if (spec.exempt != null) errs.push(fieldErrors.forbidden("spec.exempt", "must be nil if the type is Limited"));
      if (spec.limited == null) errs.push(fieldErrors.required("spec.limited", "must not be empty when type is Limited"));
      else errs.push(...validateLimitedPriorityLevel(objectOr(spec.limited)));
      break;
    default:
      errs.push(fieldErrors.notSupported("spec.type", type, PRIORITY_LEVEL_TYPES));
  }
  return errs;
}

function validateLimitedPriorityLevel(limited: Json): FieldError[] {
  const path = "spec.limited";
  const errs: FieldError[] = [];
  const shares = numberOf(limited.nominalConcurrencyShares);
  if (shares < 0) errs.push(fieldErrors.invalid(`${path}.nominalConcurrencyShares`, shares, "must be a non-negative integer"));
  errs.push(...validateLimitResponse(objectOr(limited.limitResponse), `${path}.limitResponse`));
  if (limited.lendablePercent != null && !inPercentRange(limited.lendablePercent)) {
    errs.push(fieldErrors.invalid(`${path}.lendablePercent`, limited.lendablePercent, "must be between 0 and 100, inclusive"));
  }
  if (limited.borrowingLimitPercent != null && numberOf(limited.borrowingLimitPercent) < 0) {
    errs.push(fieldErrors.invalid(`${path}.borrowingLimitPercent`, limited.borrowingLimitPercent, "if specified, must be a non-negative integer"));
  }
  return errs;
}

function validateExemptPriorityLevel(exempt: Json): FieldError[] {
  const errs: FieldError[] = [];
  if (exempt.nominalConcurrencyShares != null && numberOf(exempt.nominalConcurrencyShares) < 0) {
    errs.push(fieldErrors.invalid("spec.exempt.nominalConcurrencyShares", exempt.nominalConcurrencyShares, "must be a non-negative integer"));
  }
  if (exempt.lendablePercent != null && !inPercentRange(exempt.lendablePercent)) {
    errs.push(fieldErrors.invalid("spec.exempt.lendablePercent", exempt.lendablePercent, "must be between 0 and 100, inclusive"));
  }
  return errs;
}

function validateLimitResponse(response: Json, path: string): FieldError[] {
  const type = stringOf(response.type);
  switch (type) {
    case "Reject":
      return response.queuing != null ? [fieldErrors.forbidden(`${path}.queuing`, "must be nil if limited.limitResponse.type is not Limited")] : [];
    case "Queue":
      if (response.queuing == null) return [fieldErrors.required(`${path}.queuing`, "must not be empty if limited.limitResponse.type is Limited")];
      return validateQueuing(objectOr(response.queuing), `${path}.queuing`);
    default:
      return [fieldErrors.notSupported(`${path}.type`, type, LIMIT_RESPONSE_TYPES)];
  }
}

function validateQueuing(queuing: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const queueLengthLimit = numberOf(queuing.queueLengthLimit);
  const queues = numberOf(queuing.queues);
  const handSize = numberOf(queuing.handSize);
  if (queueLengthLimit <= 0) errs.push(fieldErrors.invalid(`${path}.queueLengthLimit`, queueLengthLimit, "must be positive"));
  if (queues <= 0) errs.push(fieldErrors.invalid(`${path}.queues`, queues, "must be positive"));
  else if (queues > MAX_QUEUES) errs.push(fieldErrors.invalid(`${path}.queues`, queues, `must not be greater than ${MAX_QUEUES}`));
  if (handSize <= 0) {
    errs.push(fieldErrors.invalid(`${path}.handSize`, handSize, "must be positive"));
  } else if (handSize > queues) {
    errs.push(fieldErrors.invalid(`${path}.handSize`, handSize, `should not be greater than queues (${queues})`));
  } else if (requiredEntropyBits(queues, handSize) > MAX_HASH_BITS) {
    errs.push(fieldErrors.invalid(`${path}.handSize`, handSize, `required entropy bits of deckSize ${queues} and handSize ${handSize} should not be greater than ${MAX_HASH_BITS}`));
  }
  return errs;
}

/** upstream shufflesharding.RequiredEntropyBits. */
export function requiredEntropyBits(deckSize: number, handSize: number): number {
  return Math.ceil(Math.log2(deckSize) * handSize);
}

/** Only `spec.exempt` of the mandatory `exempt` level may differ from the fixed spec; `catch-all`'s may not differ at all. */
function validateMandatoryPriorityLevel(name: string, spec: Json): FieldError[] {
  const mandatory = mandatoryPriorityLevelConfiguration(name);
  if (!mandatory) return [];
  if (name === PRIORITY_LEVEL_EXEMPT) {
    const have = { ...spec, exempt: mandatory.spec.exempt };
    if (priorityLevelSpecsEqual(have, mandatory.spec)) return [];
    return [fieldErrors.invalid("spec", spec, `spec of '${name}' except the 'spec.exempt' field must equal the fixed value`)];
  }
  return priorityLevelSpecsEqual(spec, mandatory.spec) ? [] : [fieldErrors.invalid("spec", spec, `spec of '${name}' must equal the fixed value`)];
}

// ---------------------------------------------------------------------------------------------
// Status

/** upstream ValidateFlowSchemaStatus / ValidatePriorityLevelConfigurationStatus: condition types are set and unique. */
export function validateConditions(status: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  listOf(isObject(status) ? status.conditions : undefined).forEach((c, i) => {
    const type = stringOf(objectOr(c).type);
    if (seen.has(type)) errs.push(fieldErrors.duplicate(`status.conditions[${i}].type`, type));
    seen.add(type);
    if (type.length === 0) errs.push(fieldErrors.required(`status.conditions[${i}].type`, "must not be empty"));
  });
  return errs;
}

/** The Dangling condition upstream's APF controller wants on a FlowSchema (`presyncFlowSchemaStatus`), without its time. */
export function danglingCondition(plName: string, plExists: boolean): Json {
  return plExists
    ? { type: DANGLING_CONDITION, status: "False", reason: "Found", message: `This FlowSchema references the PriorityLevelConfiguration object named ${goQuote(plName)} and it exists` }
    : { type: DANGLING_CONDITION, status: "True", reason: "NotFound", message: `This FlowSchema references the PriorityLevelConfiguration object named ${goQuote(plName)} but there is no such object` };
}

/**
 * The FlowSchema status with its Dangling condition as wanted, or undefined when it already is. Like
 * upstream's server-side apply of the condition, a changed condition is replaced whole (its
 * lastTransitionTime becomes `now`) in its place; other conditions are kept.
 */
export function withDanglingCondition(status: unknown, plName: string, plExists: boolean, now: Date): Json | undefined {
  const want = danglingCondition(plName, plExists);
  const conditions: Json[] = listOf(isObject(status) ? status.conditions : undefined).map(objectOr);
  const i = conditions.findIndex((c) => c.type === DANGLING_CONDITION);
  const cur = i < 0 ? undefined : conditions[i];
  if (cur && cur.status === want.status && cur.reason === want.reason && cur.message === want.message) return undefined;
  const condition = { type: want.type, status: want.status, lastTransitionTime: formatTime(now), reason: want.reason, message: want.message };
  const next = [...conditions];
  if (i < 0) next.push(condition);
  else next[i] = condition;
  return { ...(isObject(status) ? status : {}), conditions: next };
}

// ---------------------------------------------------------------------------------------------
// Spec comparison (apiequality.Semantic.DeepEqual: absent, null and empty lists alike; Go zero values)

export function flowSchemaSpecsEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalFlowSchemaSpec(objectOr(a))) === JSON.stringify(canonicalFlowSchemaSpec(objectOr(b)));
}

export function priorityLevelSpecsEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalPriorityLevelSpec(objectOr(a))) === JSON.stringify(canonicalPriorityLevelSpec(objectOr(b)));
}

function canonicalFlowSchemaSpec(spec: Json): unknown {
  const named = (v: unknown) => (isObject(v) ? [stringOf(v.name)] : null);
  return [
    stringOf(spec.priorityLevelConfiguration?.name), numberOf(spec.matchingPrecedence),
    isObject(spec.distinguisherMethod) ? [stringOf(spec.distinguisherMethod.type)] : null,
    listOf(spec.rules).map(objectOr).map((r) => [
      listOf(r.subjects).map(objectOr).map((s) => [
        stringOf(s.kind), named(s.user), named(s.group),
        isObject(s.serviceAccount) ? [stringOf(s.serviceAccount.namespace), stringOf(s.serviceAccount.name)] : null,
      ]),
      listOf(r.resourceRules).map(objectOr).map((rr) => [
        stringsOf(rr.verbs), stringsOf(rr.apiGroups), stringsOf(rr.resources), rr.clusterScope === true, stringsOf(rr.namespaces),
      ]),
      listOf(r.nonResourceRules).map(objectOr).map((nr) => [stringsOf(nr.verbs), stringsOf(nr.nonResourceURLs)]),
    ]),
  ];
}

function canonicalPriorityLevelSpec(spec: Json): unknown {
  const optional = (v: unknown) => (v == null ? null : numberOf(v));
  const limited = isObject(spec.limited) ? spec.limited : undefined;
  const response = objectOr(limited?.limitResponse);
  const queuing = isObject(response.queuing) ? response.queuing : undefined;
  const exempt = isObject(spec.exempt) ? spec.exempt : undefined;
  return [
    stringOf(spec.type),
    limited ? [
      numberOf(limited.nominalConcurrencyShares),
      [stringOf(response.type), queuing ? [numberOf(queuing.queues), numberOf(queuing.handSize), numberOf(queuing.queueLengthLimit)] : null],
      optional(limited.lendablePercent), optional(limited.borrowingLimitPercent),
    ] : null,
    exempt ? [optional(exempt.nominalConcurrencyShares), optional(exempt.lendablePercent)] : null,
  ];
}

// ---------------------------------------------------------------------------------------------
// JSON helpers

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function objectOr(v: unknown): Json {
  return isObject(v) ? v : {};
}

/** The object at `obj[key]`, created when absent (for defaulting). */
function objectAt(obj: Json, key: string): Json {
  if (!isObject(obj[key])) obj[key] = {};
  return obj[key];
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function stringsOf(v: unknown): string[] {
  return listOf(v).map((s) => (typeof s === "string" ? s : String(s)));
}

function stringOf(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The Go int32 a JSON number decodes to (0 when absent). */
function numberOf(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function inPercentRange(v: unknown): boolean {
  const n = numberOf(v);
  return n >= 0 && n <= 100;
}

/** field.Invalid of a []string value, printed as Go's %#v does. */
function invalidList(field: string, values: string[], detail: string): FieldError {
  return { type: "FieldValueInvalid", field, body: `Invalid value: ${goStringSlice(values)}: ${detail}` };
}

/** field.NotSupported whose value Go prints with %#v (`goValue` is that text). */
function notSupportedGo(field: string, goValue: string, supported: readonly string[]): FieldError {
  return { type: "FieldValueNotSupported", field, body: `Unsupported value: ${goValue}: supported values: ${supported.map(goQuote).join(", ")}` };
}
