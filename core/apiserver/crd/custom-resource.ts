/**
 * The served resources of one CRD: a ResourceDef per served version, whose strategy gives custom
 * objects their semantics (schema pruning, defaulting, validation, status/scale subresources,
 * printer columns, OpenAPI). Conversion strategy None: every version stores and serves the same
 * object; only apiVersion differs. Strategy Webhook: the defs share one converter
 * (webhook-converter.ts) that the storage layer calls on reads and writes (`asyncConversion`).
 */
import { ApiError, type FieldError } from "../errors/index.ts";
import { defineResource, sub } from "../resources/define.ts";
import type { KObject, ResourceDef, Strategy, SubresourceDef } from "../resources/index.ts";
import { parseJsonPath } from "./jsonpath.ts";
import { customResourceComponents } from "./openapi.ts";
import { customResourcePrinter } from "./printer.ts";
import { applyDefaults } from "./schema-default.ts";
import { pruneObject } from "./schema-prune.ts";
import { validateAgainstSchema } from "./schema-validate.ts";
import { validateEmbeddedResources } from "./embedded.ts";
import { validateRules } from "./validation-rules.ts";
import type { CRDNames, CRDObject, CRDVersion } from "./types.ts";
import type { ServiceResolver } from "../admission/webhook/caller.ts";
import type { AsyncConversion } from "../conversion/types.ts";
import { webhookConverter, type WebhookConversionConfig } from "./webhook-converter.ts";

/** Names the CRD is served under: the accepted ones, completed from the spec. */
export function servedNames(crd: CRDObject): Required<CRDNames> {
  const accepted = crd.status?.acceptedNames;
  const names = accepted?.plural ? accepted : crd.spec.names;
  const kind = names.kind;
  return {
    plural: names.plural, kind,
    singular: names.singular || kind.toLowerCase(),
    listKind: names.listKind || `${kind}List`,
    shortNames: names.shortNames ?? [], categories: names.categories ?? [],
  };
}

function terminating(crd: CRDObject): boolean {
  return !!crd.metadata.deletionTimestamp || (crd.status?.conditions ?? []).some((c) => c.type === "Terminating" && c.status === "True");
}

function strategyFor(crd: CRDObject, version: CRDVersion, hasStatus: boolean): Strategy {
  const schema = version.schema?.openAPIV3Schema;
  const selectable = (version.selectableFields ?? []).map((f) => ({ name: f.jsonPath.replace(/^\./, ""), path: parseJsonPath(f.jsonPath) }));
  const validate = (obj: KObject, old?: KObject): FieldError[] => {
    if (!schema) return [];
    const errs = [...validateAgainstSchema(schema, obj), ...validateEmbeddedResources(schema, obj)];
    // Rules run on objects that pass the schema (upstream skips them otherwise).
    return errs.length > 0 ? errs : validateRules(schema, obj, old ?? undefined);
  };
  const isTerminating = terminating(crd);
  return {
    statusMetadata: "reset", // upstream customresource statusStrategy keeps only the status (and managedFields)
    defaults: (obj) => applyDefaults(schema, obj),
    fromStorage: (obj) => applyDefaults(schema, obj),
    pruneUnknownFields: (obj) => (crd.spec.preserveUnknownFields ? [] : pruneObject(schema, obj)),
    prepareForCreate(obj) {
      if (isTerminating) {
        throw new ApiError(405, "MethodNotAllowed", "create not allowed while custom resource definition is terminating", {});
      }
      if (hasStatus) delete obj.status;
    },
    validate: (obj) => validate(obj),
    validateUpdate: (obj, old) => validate(obj, old),
    validateStatusUpdate: (obj, old) => validate(obj, old),
    selectableFields(obj) {
      const out: Record<string, string> = {};
      for (const f of selectable) {
        const v = f.path.find(obj)[0];
        out[f.name] = v === undefined || v === null ? "" : String(v);
      }
      return out;
    },
  };
}

/** Stable text of what decoding stored objects depends on (rebuilds watch caches when it changes). */
function fingerprint(crd: CRDObject, version: CRDVersion): string {
  return JSON.stringify([crd.spec.scope, crd.spec.preserveUnknownFields ?? false, version.schema ?? null, crd.spec.conversion?.strategy === "Webhook"]);
}

export interface CustomResourceOptions {
  /** Where a conversion webhook's service reference connects (the admission webhooks' resolver). */
  readonly resolveService?: ServiceResolver;
}

/**
 * The webhook converter shared by the CRD's served versions when its conversion strategy is
 * Webhook; undefined for strategy None (whose objects need no conversion at all).
 */
function conversionOf(crd: CRDObject, kind: string, storage: CRDVersion | undefined, opts: CustomResourceOptions): AsyncConversion | undefined {
  const conversion = crd.spec.conversion;
  if (conversion?.strategy !== "Webhook" || !storage) return undefined;
  const noResolver: ServiceResolver = async () => { throw new Error("service references are not resolvable here"); };
  return webhookConverter({
    kind, storageApiVersion: `${crd.spec.group}/${storage.name}`,
    config: (conversion.webhook ?? {}) as WebhookConversionConfig,
    resolveService: opts.resolveService ?? noResolver,
  });
}

export function customResourceDefs(crd: CRDObject, opts: CustomResourceOptions = {}): ResourceDef[] {
  const names = servedNames(crd);
  const group = crd.spec.group;
  const storage = crd.spec.versions.find((v) => v.storage);
  const asyncConversion = conversionOf(crd, names.kind, storage, opts);
  return crd.spec.versions.filter((v) => v.served).map((version) => {
    const gvk = { group, version: version.name, kind: names.kind };
    const subresources: SubresourceDef[] = [];
    const hasStatus = !!version.subresources?.status;
    const scale = version.subresources?.scale;
    if (scale) subresources.push({ ...sub.scale(), scale: { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, labelSelectorPath: scale.labelSelectorPath } });
    if (hasStatus) subresources.push(sub.status(gvk));
    subresources.sort((a, b) => (a.name < b.name ? -1 : 1));
    const schema = version.schema?.openAPIV3Schema;
    return defineResource({
      group, version: version.name, resource: names.plural, kind: names.kind, listKind: names.listKind, singular: names.singular,
      namespaced: crd.spec.scope === "Namespaced", shortNames: names.shortNames, categories: names.categories,
      subresources, statusSplit: hasStatus, tracksGeneration: true, strategicMergePatch: false,
      allowUnconditionalUpdate: false, topLevelFields: Object.keys(schema?.properties ?? {}),
      strategy: strategyFor(crd, version, hasStatus),
      tablePrinter: customResourcePrinter(version.additionalPrinterColumns),
      openapi: customResourceComponents(group, version.name, names.kind, names.listKind, schema),
      storageFingerprint: fingerprint(crd, storage ?? version),
      ...(asyncConversion ? { asyncConversion } : {}),
    });
  });
}
