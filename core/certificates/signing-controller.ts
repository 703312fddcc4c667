/**
 * The CSR signing controller (upstream kube-controller-manager "csrsigning"): for every approved,
 * not failed, not yet issued CSR of a built-in signer, checks the request against the signer's
 * rules and either writes `status.certificate` (PEM, base64 in JSON) signed by that signer's CA
 * or adds a `Failed` condition with reason `SignerValidationFailure`. Lifetime: the signer's
 * duration, or `spec.expirationSeconds` when shorter (never under 10 minutes). CSRs of other
 * signers are left to their signers.
 */
import { defineController, type ControllerDefinition, type KubeObject } from "@lite/sdk";
import { parseCertificateRequest, signCertificateRequest, type CertificateAuthority } from "../pki/index.ts";
import { conditionsOf, hasTrueCondition, isApproved } from "./csr-conditions.ts";
import { findSigner, type SignerCA } from "./signers.ts";
import { formatTime } from "../kube-time.ts";

export const CSR_TARGET = { group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests" } as const;

/** kube-controller-manager's default --cluster-signing-duration (1 year). */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 86_400_000;
const MIN_DURATION_MS = 10 * 60_000;

export interface SigningControllerOptions {
  readonly cas: Readonly<Record<SignerCA, CertificateAuthority>>;
  readonly durationMs?: number;
  readonly now?: () => Date;
}

interface Csr extends KubeObject {
  spec?: { request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number };
  status?: { conditions?: ReturnType<typeof conditionsOf>; certificate?: string };
}

/** The lifetime upstream's signer gives a CSR. */
export function signingDuration(maxMs: number, expirationSeconds: number | undefined): number {
  if (expirationSeconds === undefined) return maxMs;
  const requested = expirationSeconds * 1000;
  return Math.max(MIN_DURATION_MS, Math.min(maxMs, requested));
}


export function csrSigningController(options: SigningControllerOptions): ControllerDefinition {
  const now = options.now ?? (() => new Date());
  const maxMs = options.durationMs ?? DEFAULT_SIGNING_DURATION_MS;
  return defineController({
    name: "csrsigning",
    watches: [{ target: CSR_TARGET }],
    async reconcile(key, ctx) {
      const csr = ctx.informer<Csr>(CSR_TARGET).get(key);
      if (!csr || csr.status?.certificate) return;
      if (!isApproved(csr) || hasTrueCondition(csr, "Failed")) return;
      const signer = findSigner(csr.spec?.signerName);
      if (!signer) return;
      const parsed = parseCertificateRequest(Buffer.from(csr.spec?.request ?? "", "base64").toString("utf8"));
      const usages = csr.spec?.usages ?? [];
      const problem = signer.check(parsed, usages);
      const next: Csr = structuredClone(csr);
      next.status ??= {};
      if (problem) {
        const at = formatTime(now());
        next.status.conditions = [...conditionsOf(csr), {
          type: "Failed", status: "True", reason: "SignerValidationFailure", message: problem, lastUpdateTime: at, lastTransitionTime: at,
        }];
        ctx.log.info("CSR failed signer validation", { csr: key, reason: problem });
      } else {
        const pem = await signCertificateRequest(options.cas[signer.ca], parsed, {
          usages, durationMs: signingDuration(maxMs, csr.spec?.expirationSeconds), now: now(),
        });
        next.status.certificate = Buffer.from(pem).toString("base64");
        ctx.log.info("CSR signed", { csr: key, signer: signer.name, subject: parsed.commonName });
      }
      await ctx.client.updateStatus({ ...CSR_TARGET, name: key }, next, { signal: ctx.signal });
    },
  });
}
