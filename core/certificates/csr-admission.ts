/**
 * certificates.k8s.io/v1 CertificateSigningRequest rules the generic engine does not know
 * (upstream pkg/registry/certificates strategy + pkg/apis/certificates/validation), as an
 * admission plugin:
 * - create: `spec.username/uid/groups/extra` are the requester's (whatever was sent); the request
 *   must be a PEM CERTIFICATE REQUEST; signerName, usages and expirationSeconds are checked and the
 *   legacy-unknown signer is refused;
 * - every write: Approved and Denied are mutually exclusive, one condition per type, Approved/
 *   Denied/Failed only "True"; conditions of those types are never removed;
 * - `status.certificate` may be set only through the status subresource, and never changed.
 * Server-set `lastTransitionTime` is defaulted on new conditions.
 */
import type { AdmissionPlugin } from "../apiserver/admission/types.ts";
import { apiErrors, fieldErrors, type FieldError } from "../apiserver/errors/index.ts";
import type { KObject } from "../apiserver/resources/index.ts";
import { parseCertificateRequest } from "../pki/index.ts";
import { conditionsOf } from "./csr-conditions.ts";
import { LEGACY_UNKNOWN_SIGNER } from "./signers.ts";
import { formatTime } from "../kube-time.ts";

const VALID_USAGES = [
  "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign",
  "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime",
  "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
];
const TRUE_ONLY = new Set(["Approved", "Denied", "Failed"]);
const SIGNER_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function isCsr(def: { group: string; resource: string }): boolean {
  return def.group === "certificates.k8s.io" && def.resource === "certificatesigningrequests";
}

function validateSpec(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (obj.spec ?? {}) as { request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number };
  if (!spec.request) errs.push(fieldErrors.required("spec.request", ""));
  else {
    try {
      parseCertificateRequest(Buffer.from(spec.request, "base64").toString("utf8"));
    } catch (err) {
      errs.push(fieldErrors.invalid("spec.request", "<omitted>", (err as Error).message));
    }
  }
  if (!spec.usages || spec.usages.length === 0) errs.push(fieldErrors.required("spec.usages", ""));
  const seen = new Set<string>();
  (spec.usages ?? []).forEach((u, i) => {
    if (!VALID_USAGES.includes(u)) errs.push(fieldErrors.notSupported(`spec.usages[${i}]`, u, [...VALID_USAGES].sort()));
    if (seen.has(u)) errs.push(fieldErrors.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  if (!spec.signerName) errs.push(fieldErrors.required("spec.signerName", ""));
  else if (spec.signerName === LEGACY_UNKNOWN_SIGNER) {
    errs.push(fieldErrors.invalid("spec.signerName", spec.signerName, "the legacy signerName is not allowed via this API version"));
  } else if (!SIGNER_NAME.test(spec.signerName)) {
    errs.push(fieldErrors.invalid("spec.signerName", spec.signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
  }
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds < 600) {
    errs.push(fieldErrors.invalid("spec.expirationSeconds", spec.expirationSeconds, "may not specify a duration less than 600 seconds (10 minutes)"));
  }
  return errs;
}

function validateConditions(obj: KObject, old: KObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(obj).forEach((c, i) => {
    const path = `status.conditions[${i}]`;
    if (!c.type) errs.push(fieldErrors.required(`${path}.type`, ""));
    if (!c.status) errs.push(fieldErrors.required(`${path}.status`, ""));
    else if (TRUE_ONLY.has(c.type) && c.status !== "True") errs.push(fieldErrors.notSupported(`${path}.status`, c.status, ["True"]));
    if (c.type === "Approved") {
      approved = true;
      if (denied) errs.push(fieldErrors.invalid(`${path}.type`, c.type, "Approved and Denied conditions are mutually exclusive"));
    }
    if (c.type === "Denied") {
      denied = true;
      if (approved) errs.push(fieldErrors.invalid(`${path}.type`, c.type, "Approved and Denied conditions are mutually exclusive"));
    }
    if (seen.has(c.type)) errs.push(fieldErrors.duplicate(`${path}.type`, c.type));
    seen.add(c.type);
  });
  if (old) {
    for (const t of TRUE_ONLY) {
      const before = conditionsOf(old).filter((c) => c.type === t).length;
      const after = conditionsOf(obj).filter((c) => c.type === t).length;
      if (after < before) errs.push(fieldErrors.forbidden("status.conditions", `updates may not remove a condition of type "${t}"`));
    }
  }
  return errs;
}

function certificateOf(obj: KObject | undefined): string {
  return ((obj?.status as { certificate?: string } | undefined)?.certificate) ?? "";
}

export function csrAdmissionPlugin(now: () => Date = () => new Date()): AdmissionPlugin {
  return {
    name: "CertificateSigningRequest",
    admit(attrs) {
      if (!isCsr(attrs.def) || !attrs.object) return;
      const obj = attrs.object;
      if (attrs.operation === "CREATE") {
        const spec = (obj.spec ??= {}) as Record<string, unknown>;
        const user = attrs.user;
        delete spec.username; delete spec.uid; delete spec.groups; delete spec.extra;
        if (user) {
          spec.username = user.username;
          if (user.uid) spec.uid = user.uid;
          spec.groups = [...user.groups];
          if (user.extra && Object.keys(user.extra).length) spec.extra = user.extra;
        }
      }
      if (attrs.operation === "UPDATE") {
        const before = new Map(conditionsOf(attrs.oldObject ?? { status: {} }).map((c) => [c.type, c]));
        for (const c of conditionsOf(obj)) {
          const prev = before.get(c.type);
          if (!c.lastTransitionTime) c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : formatTime(now());
        }
      }
    },
    validate(attrs) {
      if (!isCsr(attrs.def) || !attrs.object) return;
      const obj = attrs.object;
      const errs: FieldError[] = [];
      if (attrs.operation === "CREATE") errs.push(...validateSpec(obj));
      if (attrs.operation === "CREATE" || attrs.operation === "UPDATE") errs.push(...validateConditions(obj, attrs.oldObject));
      if (attrs.operation === "UPDATE") {
        const before = certificateOf(attrs.oldObject);
        const after = certificateOf(obj);
        if (before && after !== before) errs.push(fieldErrors.invalid("status.certificate", "<omitted>", "updates may not modify existing certificate content"));
        else if (!before && after && attrs.subresource !== "status") errs.push(fieldErrors.forbidden("status.certificate", "updates may not set certificate content"));
      }
      if (errs.length) throw apiErrors.invalid("certificates.k8s.io", "CertificateSigningRequest", obj.metadata.name ?? attrs.name, errs);
    },
  };
}
