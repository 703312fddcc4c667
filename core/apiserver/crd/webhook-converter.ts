/**
 * CRD conversion strategy Webhook (upstream apiextensions-apiserver webhook_converter.go): objects
 * are sent in one ConversionReview (`apiextensions.k8s.io/v1` or `v1beta1`, the first of the CRD's
 * `conversionReviewVersions` this server speaks) to `clientConfig` (url or service reference +
 * caBundle, reached and TLS-verified by the admission webhook caller). The response must echo the
 * request uid (v1) and hold `convertedObjects` in order, one per object sent, each in the desired
 * apiVersion with kind, name, namespace and uid unchanged; of metadata only labels and annotations
 * may change (everything else is restored from the original, as upstream converter.go does).
 * `result.status` other than Success is an error. Errors read as upstream's (`conversion webhook
 * for <gvk> failed: ...` for the call and the review, `conversion for <gvk> returned ...` for the
 * objects).
 */
import { CallError, postReview, resolveTarget, type ClientConfig, type ServiceResolver } from "../admission/webhook/caller.ts";
import type { KObject } from "../resources/index.ts";
import type { AsyncConversion } from "../conversion/types.ts";
import { validateAnnotations, validateLabels } from "../validation/metadata.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** `spec.conversion.webhook` of a v1 CRD. */
export interface WebhookConversionConfig {
  readonly clientConfig?: ClientConfig;
  readonly conversionReviewVersions?: readonly string[];
}

/** ConversionReview versions this server can send, in its order of preference when the CRD lists several. */
export const SUPPORTED_REVIEW_VERSIONS = ["v1", "v1beta1"] as const;

/** Upstream's default (and maximum) conversion webhook timeout. */
const TIMEOUT_SECONDS = 30;

export interface WebhookConverterOptions {
  readonly kind: string;
  /** The CRD's storage version as an apiVersion. */
  readonly storageApiVersion: string;
  readonly config: WebhookConversionConfig;
  readonly resolveService: ServiceResolver;
  readonly fetcher?: typeof fetch;
}

/** `group/version, Kind=kind` as Go prints a GroupVersionKind. */
function gvkText(apiVersion: string, kind: string): string {
  return `${apiVersion}, Kind=${kind}`;
}

export function webhookConverter(opts: WebhookConverterOptions): AsyncConversion {
  const { config, kind } = opts;
  const reviewVersion = (config.conversionReviewVersions ?? []).find((v) => (SUPPORTED_REVIEW_VERSIONS as readonly string[]).includes(v));
  return {
    storageApiVersion: opts.storageApiVersion,
    async convert(objects, apiVersion) {
      const pending: number[] = [];
      objects.forEach((o, i) => { if (o.apiVersion !== apiVersion) pending.push(i); });
      if (pending.length === 0) return objects.slice();
      const first = objects[pending[0]!]!;
      // Upstream names the kind of the (first) object being converted.
      const gvk = gvkText(String(first.apiVersion), kind);
      if (!reviewVersion) {
        throw new Error("no supported conversion review versions");
      }
      const uid = crypto.randomUUID();
      const toConvert = pending.map((i) => objects[i]!);
      const review = {
        kind: "ConversionReview", apiVersion: `apiextensions.k8s.io/${reviewVersion}`,
        request: { uid, desiredAPIVersion: apiVersion, objects: toConvert },
      };
      let answer: unknown;
      try {
        const target = await resolveTarget(config.clientConfig ?? {}, TIMEOUT_SECONDS, opts.resolveService);
        answer = await postReview(target, review, TIMEOUT_SECONDS, opts.fetcher);
      } catch (err) {
        const text = err instanceof CallError ? err.message.replace(/^failed to call webhook: /, "") : (err as Error).message;
        throw new Error(`conversion webhook for ${gvk} failed: ${text}`);
      }
      const converted = convertedObjectsOf(answer, uid, gvk, reviewVersion);
      if (converted.length !== toConvert.length) {
        throw new Error(`conversion for ${gvk} returned ${converted.length} objects, expected ${toConvert.length}`);
      }
      const out = objects.slice();
      converted.forEach((c, j) => {
        // Upstream counts the object before it reports, so its messages name index j+1.
        out[pending[j]!] = checkedObject(toConvert[j]!, c, apiVersion, gvk, j + 1);
      });
      return out;
    },
  };
}

/** upstream getConvertedObjectsFromResponse (v1 reviews check the answer's kind and uid; v1beta1 ones do not). */
function convertedObjectsOf(answer: unknown, uid: string, gvk: string, reviewVersion: string): unknown[] {
  const failed = (why: string) => new Error(`conversion webhook for ${gvk} failed: ${why}`);
  const review = (answer ?? {}) as Json;
  if (reviewVersion === "v1") {
    const got = `${review.apiVersion ?? ""}, Kind=${review.kind ?? ""}`;
    if (got !== "apiextensions.k8s.io/v1, Kind=ConversionReview") throw failed(`expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got ${got}`);
  }
  const response = review.response as Json | undefined;
  if (!response || typeof response !== "object") throw failed("no response provided");
  if (reviewVersion === "v1" && response.uid !== uid) throw failed(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? "")}`);
  const status = response.result?.status;
  if (status !== "Success") {
    const message = response.result?.message;
    // Upstream: a Failure result's message is the error itself.
    throw failed(message ? message : `response.result.status was '${status ?? ""}', not 'Success'`);
  }
  const objs = response.convertedObjects;
  return Array.isArray(objs) ? objs : [];
}

/** One converted object after upstream's checks, with metadata restored except labels and annotations. */
function checkedObject(original: KObject, converted: unknown, apiVersion: string, gvk: string, index: number): KObject {
  const c = converted as Json;
  const invalid = (why: string) => new Error(`conversion for ${gvk} returned invalid converted object at index ${index}: ${why}`);
  if (!c || typeof c !== "object" || Array.isArray(c)) throw invalid("must be an object");
  if (c.apiVersion !== apiVersion) throw invalid(`invalid groupVersion (expected ${apiVersion}, received ${c.apiVersion ?? ""})`);
  if (c.kind !== original.kind) throw invalid(`invalid kind (expected ${original.kind}, received ${c.kind ?? ""})`);
  const om = original.metadata as Json;
  const cm = (c.metadata ?? {}) as Json;
  for (const [field, name] of [["name", "name"], ["namespace", "namespace"], ["uid", "UID"]] as const) {
    if ((om[field] ?? "") !== (cm[field] ?? "")) throw invalid(`must have the same ${name}: ${om[field] ?? ""} != ${cm[field] ?? ""}`);
  }
  return { ...c, metadata: restoredMetadata(om, c.metadata, gvk, index) } as KObject;
}

/** upstream restoreObjectMeta: the original metadata, with labels and annotations taken from the response. */
function restoredMetadata(original: Json, response: unknown, gvk: string, index: number): Json {
  const fail = (why: string) => new Error(`conversion for ${gvk} returned invalid metadata in object at index ${index}: ${why}`);
  if (response === undefined) throw fail("missing metadata in converted object");
  if (!response || typeof response !== "object" || Array.isArray(response)) throw fail(`invalid metadata of type ${Array.isArray(response) ? "[]interface {}" : typeof response} in converted object`);
  const meta: Json = structuredClone(original);
  for (const field of ["labels", "annotations"] as const) {
    const value = (response as Json)[field];
    if (value === undefined || value === null) { delete meta[field]; continue; }
    if (typeof value !== "object" || Array.isArray(value)) throw fail(`invalid metadata.${field} of type ${typeof value} in converted object`);
    const before = (original[field] ?? {}) as Record<string, unknown>;
    let changed = Object.keys(before).length !== Object.keys(value).length;
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== "string") throw fail(`metadata.${field}[${k}] must be a string, but is ${typeof v} in converted object`);
      if (before[k] !== v) changed = true;
    }
    if (changed) {
      const errs = field === "labels" ? validateLabels(value, "metadata.labels") : validateAnnotations(value, "metadata.annotation");
      if (errs.length > 0) throw fail(errs.map((e) => `${e.field}: ${e.body}`).join(", "));
    }
    meta[field] = { ...value };
  }
  return meta;
}
