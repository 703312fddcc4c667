// What the TLS front learned about the client certificate of a connection.
import type { PeerCertificate as NodePeerCertificate } from "node:tls";

/** An authenticated x509 user: certificate CN is the user, each O a group. */
export interface PeerIdentity {
  readonly user: string;
  readonly groups: readonly string[];
}

/**
 * Client-certificate outcome for one connection:
 * - `none`: no certificate presented (anonymous; other authenticators may apply);
 * - `verified`: chains to the client CA and is within its validity period;
 * - `rejected`: a certificate was presented but failed verification (other CA,
 *   expired, ...). The HTTP layer should answer 401 with `reason`.
 */
export type ClientCertificate =
  | { readonly kind: "none" }
  | { readonly kind: "verified"; readonly identity: PeerIdentity }
  | { readonly kind: "rejected"; readonly reason: string };

export const NO_CERTIFICATE: ClientCertificate = Object.freeze({ kind: "none" });

/** OpenSSL verification codes mapped to the wording Go's crypto/x509 uses. */
const REASONS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate signed by unknown authority",
  UNABLE_TO_GET_ISSUER_CERT: "certificate signed by unknown authority",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "certificate signed by unknown authority",
  DEPTH_ZERO_SELF_SIGNED_CERT: "certificate signed by unknown authority",
  SELF_SIGNED_CERT_IN_CHAIN: "certificate signed by unknown authority",
  CERT_SIGNATURE_FAILURE: "certificate signed by unknown authority",
  CERT_HAS_EXPIRED: "certificate has expired or is not yet valid",
  CERT_NOT_YET_VALID: "certificate has expired or is not yet valid",
  INVALID_PURPOSE: "certificate specifies an incompatible key usage",
};

/** "x509: <reason> (<CODE>)" for a TLS authorization error. */
function describe(err: unknown): string {
  const code = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err ?? "UNKNOWN");
  const text = REASONS[code];
  return text ? `x509: ${text} (${code})` : `x509: certificate verification failed (${code})`;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** What classifyPeer reads of a TLS server socket (Bun's native socket, or node:tls'). */
export interface PeerSocket {
  getPeerCertificate(): NodePeerCertificate | object | null | undefined;
  readonly authorized: boolean;
}

/**
 * Classifies a connection after its handshake (server with requestCert, rejectUnauthorized false).
 * `authorizationError` is the verification error the handshake reported, if any.
 */
export function classifyPeer(socket: PeerSocket, authorizationError?: unknown): ClientCertificate {
  const cert = socket.getPeerCertificate() as NodePeerCertificate | null | undefined;
  if (!cert || Object.keys(cert).length === 0) return NO_CERTIFICATE;
  if (!socket.authorized || authorizationError) {
    return { kind: "rejected", reason: describe(authorizationError) };
  }
  // Defence in depth: refuse a certificate outside its validity window even if
  // the TLS library accepted it.
  const now = Date.now();
  if (!(Date.parse(cert.valid_from) <= now && now <= Date.parse(cert.valid_to))) {
    return { kind: "rejected", reason: "x509: certificate has expired or is not yet valid" };
  }
  const user = asList(cert.subject?.CN)[0] ?? "";
  if (user === "") return { kind: "rejected", reason: "x509: client certificate has an empty common name" };
  return { kind: "verified", identity: Object.freeze({ user, groups: Object.freeze(asList(cert.subject?.O)) }) };
}
