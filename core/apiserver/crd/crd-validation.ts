/**
 * Validation of CustomResourceDefinition objects (apiextensions' ValidateCustomResourceDefinition
 * for v1): name = plural.group, group a DNS subdomain with a dot, names, scope, versions (unique
 * DNS-1035 names, exactly one storage version), a structural schema for every version,
 * subresources, printer columns, conversion; updates keep group and (once stored) scope. The CEL
 * validation rules of schemas without structural errors must compile (rule-compile.ts).
 */
import { fieldErrors, type FieldError } from "../errors/index.ts";
import { checkDns1035Label, checkDns1123Subdomain } from "../validation/names.ts";
import { validateWebhookService, validateWebhookURL } from "../validation/webhook-client.ts";
import { JsonPathError, parseJsonPath } from "./jsonpath.ts";
import { validateRuleCompilation } from "./rule-compile.ts";
import { validateStructuralSchema } from "./structural.ts";
import type { CRDNames, CRDObject, CRDVersion, PrinterColumn } from "./types.ts";

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];
const COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

export function validateNames(names: Partial<CRDNames> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const n = names ?? {};
  const label = (v: string | undefined, field: string, mixedCase = false) => {
    if (!v) return;
    const e = checkDns1035Label(mixedCase ? v.toLowerCase() : v);
    if (e.length) errs.push(fieldErrors.invalid(`${path}.${field}`, v, (mixedCase ? "may have mixed case, but should otherwise match: " : "") + e.join(",")));
  };
  label(n.plural, "plural");
  label(n.singular, "singular");
  label(n.kind, "kind", true);
  label(n.listKind, "listKind", true);
  (n.shortNames ?? []).forEach((s, i) => { const e = checkDns1035Label(s); if (e.length) errs.push(fieldErrors.invalid(`${path}.shortNames[${i}]`, s, e.join(","))); });
  if (n.kind && n.kind === n.listKind) errs.push(fieldErrors.invalid(`${path}.listKind`, n.listKind, "kind and listKind may not be the same"));
  (n.categories ?? []).forEach((c, i) => { const e = checkDns1035Label(c); if (e.length) errs.push(fieldErrors.invalid(`${path}.categories[${i}]`, c, e.join(","))); });
  return errs;
}

function validateColumn(col: PrinterColumn, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!col.name) errs.push(fieldErrors.required(`${path}.name`));
  if (!col.type) errs.push(fieldErrors.required(`${path}.type`, `must be one of ${COLUMN_TYPES.join(",")}`));
  else if (!COLUMN_TYPES.includes(col.type)) errs.push(fieldErrors.invalid(`${path}.type`, col.type, `must be one of ${COLUMN_TYPES.join(",")}`));
  if (col.format && !COLUMN_FORMATS.includes(col.format)) errs.push(fieldErrors.invalid(`${path}.format`, col.format, `must be one of ${COLUMN_FORMATS.join(",")}`));
  if (!col.jsonPath) errs.push(fieldErrors.required(`${path}.JSONPath`));
  else {
    try { parseJsonPath(col.jsonPath); } catch (e) {
      errs.push(fieldErrors.invalid(`${path}.JSONPath`, col.jsonPath, e instanceof JsonPathError ? e.message : "is an invalid path"));
    }
  }
  return errs;
}

function validateVersion(v: CRDVersion, path: string, structuralErrors?: () => void): FieldError[] {
  const errs: FieldError[] = [];
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) errs.push(fieldErrors.required(`${path}.schema.openAPIV3Schema`));
  else {
    const structural = validateStructuralSchema(schema, `${path}.schema.openAPIV3Schema`);
    if (structural.length > 0) structuralErrors?.();
    errs.push(...structural);
    if (v.subresources?.status && schema.type === "object") {
      // Only properties, required, description, type and x-kubernetes-* may be at the root with status.
      const allowed = ["description", "type", "default", "additionalProperties", "nullable", "properties", "required", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string", "x-kubernetes-validations", "title"];
      const bad = Object.keys(schema).filter((k) => !allowed.includes(k) && !k.startsWith("x-kubernetes-"));
      if (bad.length) errs.push(fieldErrors.invalid(`${path}.schema.openAPIV3Schema`, "", "only [description type properties required x-kubernetes-preserve-unknown-fields] fields are allowed at the root of the schema if the status subresource is enabled"));
    }
    if (schema.nullable) errs.push(fieldErrors.forbidden(`${path}.schema.openAPIV3Schema.nullable`, "nullable cannot be true at the root"));
  }
  const scale = v.subresources?.scale;
  if (scale) {
    const sp = `${path}.subresources.scale`;
    if (!scale.specReplicasPath) errs.push(fieldErrors.required(`${sp}.specReplicasPath`));
    else if (!/^\.spec(\.[A-Za-z0-9_-]+)+$/.test(scale.specReplicasPath)) errs.push(fieldErrors.invalid(`${sp}.specReplicasPath`, scale.specReplicasPath, "should be a json path under .spec"));
    if (!scale.statusReplicasPath) errs.push(fieldErrors.required(`${sp}.statusReplicasPath`));
    else if (!/^\.status(\.[A-Za-z0-9_-]+)+$/.test(scale.statusReplicasPath)) errs.push(fieldErrors.invalid(`${sp}.statusReplicasPath`, scale.statusReplicasPath, "should be a json path under .status"));
    if (scale.labelSelectorPath && !/^\.(spec|status)(\.[A-Za-z0-9_-]+)+$/.test(scale.labelSelectorPath)) {
      errs.push(fieldErrors.invalid(`${sp}.labelSelectorPath`, scale.labelSelectorPath, "should be a json path under either .spec or .status"));
    }
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => errs.push(...validateColumn(c, `${path}.additionalPrinterColumns[${i}]`)));
  return errs;
}

export function validateCRD(crd: CRDObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec ?? ({} as CRDObject["spec"]);
  const names = spec.names ?? ({} as CRDNames);
  const name = crd.metadata.name ?? "";
  if (name && name !== `${names.plural}.${spec.group}`) errs.push(fieldErrors.invalid("metadata.name", name, `must be spec.names.plural+"."+spec.group`));
  if (!spec.group) errs.push(fieldErrors.required("spec.group"));
  else {
    const e = checkDns1123Subdomain(spec.group);
    if (e.length) errs.push(fieldErrors.invalid("spec.group", spec.group, e.join(",")));
    else if (spec.group.split(".").length < 2) errs.push(fieldErrors.invalid("spec.group", spec.group, "should be a domain with at least one dot"));
  }
  if (!spec.scope) errs.push(fieldErrors.required("spec.scope"));
  else if (spec.scope !== "Cluster" && spec.scope !== "Namespaced") errs.push(fieldErrors.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  const versions = spec.versions ?? [];
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  const unstructural = new Set<number>();
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (v.storage) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const e = checkDns1035Label(v.name ?? "");
    if (e.length) errs.push(fieldErrors.invalid(`${path}.name`, v.name ?? "", e.join(",")));
    errs.push(...validateVersion(v, path, () => unstructural.add(i)));
  });
  errs.push(...validateRuleCompilation(crd, (i) => unstructural.has(i)));
  if (!unique) errs.push(fieldErrors.invalid("spec.versions", "", "must contain unique version names"));
  if (storage !== 1) errs.push(fieldErrors.invalid("spec.versions", "", "must have exactly one version marked as storage version"));
  if (!names.plural) errs.push(fieldErrors.required("spec.names.plural"));
  if (!names.singular) errs.push(fieldErrors.required("spec.names.singular"));
  if (!names.kind) errs.push(fieldErrors.required("spec.names.kind"));
  if (!names.listKind) errs.push(fieldErrors.required("spec.names.listKind"));
  errs.push(...validateNames(names, "spec.names"));
  errs.push(...validateConversion(spec.conversion, !!spec.preserveUnknownFields));
  if (spec.preserveUnknownFields) errs.push(fieldErrors.invalid("spec.preserveUnknownFields", true, "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"));
  errs.push(...validateNames(crd.status?.acceptedNames, "status.acceptedNames"));
  const stored = crd.status?.storedVersions ?? [];
  const storageVersion = versions.find((v) => v.storage)?.name;
  if (stored.length > 0 && storageVersion && !stored.includes(storageVersion)) errs.push(fieldErrors.invalid("status.storedVersions", stored, `must have the storage version ${storageVersion}`));
  stored.forEach((s, i) => {
    if (!seen.has(s)) errs.push(fieldErrors.invalid(`status.storedVersions[${i}]`, s, `missing from spec.versions; ${s} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${s} and removes ${s} from status.storedVersions`));
  });
  return errs;
}

/** ConversionReview versions a conversion webhook may be asked in (one of them must be listed). */
const CONVERSION_REVIEW_VERSIONS = ["v1", "v1beta1"];

/**
 * upstream validateCustomResourceConversion, with its internal field names (`webhookClientConfig`,
 * `conversionReviewVersions` directly under spec.conversion): strategy Webhook needs a client
 * config (exactly one of url and service) and review versions including v1 or v1beta1; strategy
 * None forbids both.
 */
export function validateConversion(conversion: CRDObject["spec"]["conversion"], preserveUnknownFields = false): FieldError[] {
  const errs: FieldError[] = [];
  if (!conversion) return errs;
  const path = "spec.conversion";
  const { strategy } = conversion;
  const webhook = (conversion.webhook ?? undefined) as { clientConfig?: { url?: string; service?: Record<string, unknown> }; conversionReviewVersions?: unknown } | undefined;
  if (strategy !== "None" && strategy !== "Webhook") errs.push(fieldErrors.notSupported(`${path}.strategy`, strategy, ["None", "Webhook"]));
  const cc = webhook?.clientConfig;
  const versions = webhook?.conversionReviewVersions;
  if (strategy === "Webhook") {
    if (!cc) errs.push(fieldErrors.required(`${path}.webhookClientConfig`, "required when strategy is set to Webhook"));
    else if ((cc.url === undefined) === (cc.service === undefined)) errs.push(fieldErrors.required(`${path}.webhookClientConfig`, "exactly one of url or service is required"));
    else if (cc.url !== undefined) errs.push(...validateWebhookURL(`${path}.webhookClientConfig.url`, cc.url, true));
    else errs.push(...validateWebhookService(`${path}.webhookClientConfig.service`, cc.service ?? {}));
    const list = Array.isArray(versions) ? (versions as unknown[]).map(String) : [];
    const at = `${path}.conversionReviewVersions`;
    if (list.length === 0) errs.push(fieldErrors.required(at));
    else {
      const seen = new Set<string>();
      list.forEach((v, i) => {
        if (seen.has(v)) errs.push(fieldErrors.invalid(`${at}[${i}]`, v, "duplicate version"));
        seen.add(v);
        const e = checkDns1035Label(v);
        if (e.length) errs.push(fieldErrors.invalid(`${at}[${i}]`, v, e.join(",")));
      });
      if (!list.some((v) => CONVERSION_REVIEW_VERSIONS.includes(v))) {
        errs.push(fieldErrors.invalid(at, list, `must include at least one of ${CONVERSION_REVIEW_VERSIONS.join(", ")}`));
      }
    }
    if (preserveUnknownFields) errs.push(fieldErrors.invalid(`${path}.strategy`, strategy, "must be None if spec.preserveUnknownFields is true"));
  } else {
    if (cc) errs.push(fieldErrors.forbidden(`${path}.webhookClientConfig`, "should not be set when strategy is not set to Webhook"));
    if (Array.isArray(versions) && versions.length > 0) errs.push(fieldErrors.forbidden(`${path}.conversionReviewVersions`, "should not be set when strategy is not set to Webhook"));
  }
  return errs;
}

export function validateCRDUpdate(crd: CRDObject, old: CRDObject): FieldError[] {
  // Rules that failed to compile in the stored CRD as well are let be (upstream compiles
  // pre-existing expressions with its more permissive stored-expressions environment).
  const before = new Set(validateRuleCompilation(old).map((e) => `${e.field}\n${e.body}`));
  const errs = validateCRD(crd).filter((e) => !before.has(`${e.field}\n${e.body}`));
  if (old.spec?.group !== crd.spec?.group) errs.push(fieldErrors.invalid("spec.group", crd.spec?.group ?? "", "field is immutable"));
  const established = (old.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
  if (established && old.spec?.scope !== crd.spec?.scope) errs.push(fieldErrors.invalid("spec.scope", crd.spec?.scope ?? "", "field is immutable"));
  return errs;
}
