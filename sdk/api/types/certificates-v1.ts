// certificates/v1: declarations of the certificates.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object, wrappedList } from "../dsl.ts";

export const certificatesV1 = defineApiPackage({
  id: "certificates/v1",
  group: "certificates.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.certificates.v1",
  kinds: { CertificateSigningRequest: {} },
  types: {
    CertificateSigningRequest: object("A request for a signed X.509 certificate.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "CertificateSigningRequestSpec", { required: true }),
      status: f(3, "CertificateSigningRequestStatus"),
    }),
    CertificateSigningRequestSpec: object("The CSR, the signer and the requester's identity.", {
      request: f(1, "bytes", { required: true, listType: "atomic" }),
      signerName: f(7, "string", { required: true }),
      expirationSeconds: f(8, "*int32"),
      usages: f(5, "[]string", { enum: ["signing","digital signature","content commitment","key encipherment","key agreement","data encipherment","cert sign","crl sign","encipher only","decipher only","any","server auth","client auth","code signing","email protection","s/mime","ipsec end system","ipsec tunnel","ipsec user","timestamping","ocsp signing","microsoft sgc","netscape sgc"], listType: "atomic" }),
      username: f(2, "string"),
      uid: f(3, "string"),
      groups: f(4, "[]string", { listType: "atomic" }),
      extra: f(6, "map<ExtraValue>"),
    }),
    CertificateSigningRequestStatus: object("Approval conditions and the issued certificate.", {
      conditions: f(1, "[]CertificateSigningRequestCondition", { listType: "map", mapKeys: ["type"] }),
      certificate: f(2, "bytes", { listType: "atomic" }),
    }),
    ExtraValue: wrappedList("string"),
    CertificateSigningRequestCondition: object("Approved, Denied or Failed.", {
      type: f(1, "string", { required: true }),
      status: f(6, "string", { required: true }),
      reason: f(2, "string"),
      message: f(3, "string"),
      lastUpdateTime: f(4, "Time"),
      lastTransitionTime: f(5, "Time"),
    }),
  },
});
