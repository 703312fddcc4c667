/**
 * The built-in signers of certificates.k8s.io (upstream pkg/controller/certificates/signer and
 * pkg/apis/certificates helpers): which CA signs for each signerName and what a request must look
 * like. `check` returns an error message (the Failed condition's message) or undefined.
 * `kubernetes.io/legacy-unknown` is refused by validation when a v1 CSR is created, so no signer
 * here handles it.
 */
import type { ParsedCertificateRequest } from "../pki/index.ts";

export type SignerCA = "client" | "server";

export interface SignerSpec {
  readonly name: string;
  readonly ca: SignerCA;
  check(req: ParsedCertificateRequest, usages: readonly string[]): string | undefined;
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const s = new Set(a);
  return s.size === new Set(b).size && b.every((x) => s.has(x));
};

const KUBELET_CLIENT_USAGES = ["client auth", "digital signature", "key encipherment"];
const KUBELET_SERVING_USAGES = ["digital signature", "key encipherment", "server auth"];
const NOT_SYSTEM_NODES = "subject organization is not system:nodes";
const NOT_SYSTEM_NODE_CN = "subject common name does not begin with system:node:";

/** Upstream ValidateKubeletClientCSR. */
function checkKubeletClient(req: ParsedCertificateRequest, usages: readonly string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== "system:nodes") return NOT_SYSTEM_NODES;
  if (req.dnsNames.length) return "DNS subjectAltNames are not allowed";
  if (req.emailAddresses.length) return "Email subjectAltNames are not allowed";
  if (req.ipAddresses.length) return "IP subjectAltNames are not allowed";
  if (req.uris.length) return "URI subjectAltNames are not allowed";
  if (!req.commonName.startsWith("system:node:")) return NOT_SYSTEM_NODE_CN;
  if (!sameSet(usages, KUBELET_CLIENT_USAGES) && !sameSet(usages, ["digital signature", "client auth"])) {
    return `usages did not match [${KUBELET_CLIENT_USAGES.join(" ")}]`;
  }
  return undefined;
}

/** Upstream ValidateKubeletServingCSR. */
function checkKubeletServing(req: ParsedCertificateRequest, usages: readonly string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== "system:nodes") return NOT_SYSTEM_NODES;
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return "DNS or IP subjectAltName is required";
  if (req.emailAddresses.length) return "Email subjectAltNames are not allowed";
  if (req.uris.length) return "URI subjectAltNames are not allowed";
  if (!sameSet(usages, KUBELET_SERVING_USAGES) && !sameSet(usages, ["digital signature", "server auth"])) {
    return `usages did not match [${KUBELET_SERVING_USAGES.join(" ")}]`;
  }
  if (!req.commonName.startsWith("system:node:")) return NOT_SYSTEM_NODE_CN;
  return undefined;
}

/** Upstream validAPIServerClientUsages. */
function checkApiServerClient(_req: ParsedCertificateRequest, usages: readonly string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === "client auth") clientAuth = true;
    else if (u !== "digital signature" && u !== "key encipherment") return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : "missing required usage for client certificate: client auth";
}

export const BUILTIN_SIGNERS: readonly SignerSpec[] = [
  { name: "kubernetes.io/kube-apiserver-client", ca: "client", check: checkApiServerClient },
  { name: "kubernetes.io/kube-apiserver-client-kubelet", ca: "client", check: checkKubeletClient },
  { name: "kubernetes.io/kubelet-serving", ca: "server", check: checkKubeletServing },
];

export const LEGACY_UNKNOWN_SIGNER = "kubernetes.io/legacy-unknown";

export function findSigner(name: string | undefined): SignerSpec | undefined {
  return BUILTIN_SIGNERS.find((s) => s.name === name);
}
