// Public surface of the API server transport.
export { startHttpsFront, type HttpsFront, type HttpsFrontOptions, type FrontHandler } from "./https-front.ts";
export { classifyPeer, NO_CERTIFICATE, type ClientCertificate, type PeerIdentity } from "./peer-identity.ts";
export { PeerRegistry } from "./peer-registry.ts";
