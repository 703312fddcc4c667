// certificates.k8s.io: CSR admission rules and the signing controller (run by the controller manager).
export { csrAdmissionPlugin } from "./csr-admission.ts";
export { csrSigningController, signingDuration, DEFAULT_SIGNING_DURATION_MS, type SigningControllerOptions } from "./signing-controller.ts";
export { BUILTIN_SIGNERS, findSigner } from "./signers.ts";
