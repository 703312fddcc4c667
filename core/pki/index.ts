// Public surface of the cluster PKI.
export { generateEcdsaKey, importPrivateKeyPem, type KeyPair } from "./keys.ts";
export {
  createCertificateAuthority,
  loadCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  firstPem,
  type CertificateAuthority,
  type IssuedCertificate,
  type Validity,
  type ClientCertificateRequest,
  type ServingCertificateRequest,
} from "./certificates.ts";
export { caHash, certificateInfo, canonicalIP, type CertificateInfo } from "./certificate-info.ts";
export {
  ensureServerPKI,
  AUTH_PROXY_NAME,
  servingSANs,
  CA_VALIDITY_DAYS,
  LEAF_VALIDITY_DAYS,
  LEAF_RENEW_BEFORE_DAYS,
  type ServerPKI,
  type ServerPKIOptions,
  type StoredAuthority,
  type StoredCertificate,
} from "./server-pki.ts";
export { renderKubeconfig, writeKubeconfig, type KubeconfigParams } from "./kubeconfig.ts";
export { parseCertificateRequest, signCertificateRequest, type ParsedCertificateRequest, type SignRequestOptions } from "./certificate-request.ts";
export { checkCertificates, rotateLeafCertificates, resolveService, LEAF_SERVICES, type CertificateStatus, type RotationOutcome } from "./leaf-rotation.ts";
