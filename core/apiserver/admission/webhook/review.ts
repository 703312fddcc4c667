/**
 * AdmissionReview (admission.k8s.io/v1, or v1beta1 when a webhook accepts only that) as upstream
 * sends it, and the checks upstream applies to a webhook's answer (VerifyAdmissionResponse).
 */
import type { KObject } from "../../resources/index.ts";
import type { AdmissionAttributes } from "../types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export interface WebhookVerdict {
  readonly allowed: boolean;
  /** The webhook's Status when it refused. */
  readonly status?: { code?: number; message?: string; reason?: string; status?: string; details?: Json };
  /** Decoded JSONPatch operations (mutating webhooks only). */
  readonly patch?: unknown;
  readonly warnings: readonly string[];
}

/** An answer that breaks the protocol; the call counts as failed (failurePolicy applies). */
export class InvalidReviewResponse extends Error {}

export function reviewVersion(accepted: readonly string[] | undefined): "v1" | "v1beta1" | undefined {
  if (accepted?.includes("v1")) return "v1";
  if (accepted?.includes("v1beta1")) return "v1beta1";
  return undefined;
}

const OPTIONS_KIND: Record<string, string> = { CREATE: "CreateOptions", UPDATE: "UpdateOptions", DELETE: "DeleteOptions" };

export function admissionReview(attrs: AdmissionAttributes, uid: string, version: "v1" | "v1beta1"): Json {
  const { def } = attrs;
  const sub = attrs.subresource ? def.subresources.find((s) => s.name === attrs.subresource) : undefined;
  const kind = sub && sub.handler !== "status" ? sub.responseKind : { group: def.group, version: def.version, kind: def.kind };
  const resource = { group: def.group, version: def.version, resource: def.resource };
  const request: Json = {
    uid, kind, resource, requestKind: kind, requestResource: resource,
    name: attrs.name || attrs.object?.metadata.name || "", operation: attrs.operation,
    userInfo: userInfo(attrs), object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, dryRun: attrs.dryRun,
  };
  if (attrs.subresource) { request.subResource = attrs.subresource; request.requestSubResource = attrs.subresource; }
  if (attrs.namespace) request.namespace = attrs.namespace;
  const optionsKind = OPTIONS_KIND[attrs.operation];
  if (optionsKind) request.options = { kind: optionsKind, apiVersion: "meta.k8s.io/v1", ...(attrs.dryRun ? { dryRun: ["All"] } : {}) };
  return { kind: "AdmissionReview", apiVersion: `admission.k8s.io/${version}`, request };
}

function userInfo(attrs: AdmissionAttributes): Json {
  const u = attrs.user;
  if (!u) return { username: "system:anonymous", groups: ["system:unauthenticated"] };
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

/** Validates the answer as upstream does and decodes the patch. */
export function verdictOf(body: unknown, uid: string, version: "v1" | "v1beta1", mutating: boolean): WebhookVerdict {
  if (!body || typeof body !== "object") throw new InvalidReviewResponse("json: cannot unmarshal the response into an AdmissionReview");
  const review = body as Json;
  if (version === "v1" && (review.kind !== "AdmissionReview" || review.apiVersion !== "admission.k8s.io/v1")) {
    throw new InvalidReviewResponse(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${review.apiVersion ?? ""}, Kind=${review.kind ?? ""}`);
  }
  const response = review.response as Json | undefined;
  if (!response) throw new InvalidReviewResponse("webhook response was absent");
  if (response.uid !== uid) throw new InvalidReviewResponse(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? "")}`);
  const warnings = Array.isArray(response.warnings) ? response.warnings.filter((w: unknown): w is string => typeof w === "string") : [];
  let patch: unknown;
  const hasPatch = typeof response.patch === "string" && response.patch.length > 0;
  if (hasPatch || response.patchType) {
    if (!mutating) throw new InvalidReviewResponse("validating webhook may not return response.patch");
    if (!hasPatch) throw new InvalidReviewResponse("webhook returned response.patchType but not response.patch");
    if (!response.patchType) throw new InvalidReviewResponse("webhook returned response.patch but not response.patchType");
    if (response.patchType !== "JSONPatch") throw new InvalidReviewResponse(`webhook returned invalid response.patchType of ${JSON.stringify(response.patchType)}`);
    try {
      patch = JSON.parse(Buffer.from(response.patch, "base64").toString("utf8"));
    } catch (err) {
      throw new InvalidReviewResponse(`webhook returned an undecodable response.patch: ${(err as Error).message}`);
    }
  }
  return { allowed: response.allowed === true, status: response.status, patch: response.allowed === true ? patch : undefined, warnings };
}

/** Labels of the object a request is about (new object first, else the old one). */
export function labelsOf(obj: KObject | undefined): Record<string, string> {
  return (obj?.metadata.labels as Record<string, string> | undefined) ?? {};
}
