/**
 * Authenticates service-account JWTs (upstream pkg/serviceaccount jwt.go + claims.go Validate):
 * issuer match (else "not mine"), signature, time window with 60 s leeway, audiences, and the
 * bound objects: the service account, and any pod/secret/node the token names, must still exist
 * with the same uid and not be deleted (beyond the leeway). Every check runs on every use.
 */
import { decodeJwt, verifyJwtSignature } from "./jwt.ts";
import { parseKubernetesClaim, serviceAccountUsername, userFromClaims, type KubernetesClaim } from "./service-account-claims.ts";
import type { ServiceAccountKey } from "./service-account-key.ts";
import { NOT_MINE, type AuthResult, type BoundKind, type ObjectReader, type TokenAuthenticator } from "./types.ts";

/** go-jose's default leeway for exp/nbf/iat, also used for deletion timestamps. */
export const LEEWAY_SECONDS = 60;

export interface ServiceAccountAuthenticatorOptions {
  /** Keys whose signatures are accepted (the first is the signing key). */
  keys: readonly ServiceAccountKey[];
  issuer: string;
  /** Audiences a token must share one of when the caller requests none (the API audiences). */
  apiAudiences: readonly string[];
  objects: ObjectReader;
  now(): Date;
}

const reject = (reason: string): AuthResult => ({ kind: "rejected", reason });

export function createServiceAccountAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticator {
  return {
    async authenticateToken(token, requested) {
      const jwt = decodeJwt(token);
      if (!jwt || jwt.payload.iss !== opts.issuer) return NOT_MINE;
      if (!opts.keys.some((k) => verifyJwtSignature(jwt, k.publicKey))) return reject("invalid bearer token, error in cryptographic primitive");
      const p = jwt.payload;
      const now = opts.now().getTime() / 1000;
      if (typeof p.exp !== "number") return reject("service account token has no expiry");
      if (now > p.exp + LEEWAY_SECONDS) return reject("service account token has expired");
      if (typeof p.nbf === "number" && now + LEEWAY_SECONDS < p.nbf) return reject("service account token is not valid yet");
      if (typeof p.iat === "number" && now + LEEWAY_SECONDS < p.iat) return reject("service account token is issued in the future");

      const tokenAudiences = typeof p.aud === "string" ? [p.aud] : Array.isArray(p.aud) ? p.aud.filter((a): a is string => typeof a === "string") : [];
      const wanted = requested && requested.length ? requested : opts.apiAudiences;
      const audiences = wanted.filter((a) => tokenAudiences.includes(a));
      if (audiences.length === 0) return reject(`token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(wanted)}`);

      const claim = parseKubernetesClaim(p["kubernetes.io"]);
      if (!claim) return reject("service account token has malformed kubernetes.io claims");
      if (p.sub !== serviceAccountUsername(claim.namespace, claim.serviceaccount.name)) return reject("service account token subject does not match its claims");
      const problem = await checkBoundObjects(claim, opts.objects, now);
      if (problem) return reject(problem);
      return { kind: "user", user: userFromClaims({ jti: p.jti, "kubernetes.io": claim }), audiences };
    },
  };
}

/** Upstream's wording for each bound kind's uid mismatch. */
const MISMATCH: Record<BoundKind, string> = {
  ServiceAccount: "service account UID (%s) does not match claim (%c)",
  Pod: "pod UID (%s) does not match service account pod ref claim (%c)",
  Secret: "secret UID (%s) does not match service account secret ref claim (%c)",
  Node: "node UID (%s) does not match service account node ref claim (%c)",
};
const NOUN: Record<BoundKind, string> = { ServiceAccount: "service account", Pod: "pod", Secret: "secret", Node: "node" };

/** The reason a token's bound objects no longer hold (undefined when they all do). */
export async function checkBoundObjects(claim: KubernetesClaim, objects: ObjectReader, nowSeconds: number): Promise<string | undefined> {
  const refs: [BoundKind, string, { name: string; uid: string }][] = [["ServiceAccount", claim.namespace, claim.serviceaccount]];
  if (claim.secret) refs.push(["Secret", claim.namespace, claim.secret]);
  if (claim.pod) refs.push(["Pod", claim.namespace, claim.pod]);
  // A pod-bound token carries its node for information only; a node-bound one is checked.
  else if (claim.node) refs.push(["Node", "", claim.node]);
  for (const [kind, ns, ref] of refs) {
    const obj = await objects(kind, ns, ref.name);
    const where = ns ? `${ns}/${ref.name}` : ref.name;
    if (!obj) return `${NOUN[kind]} ${where} not found`;
    const uid = obj.metadata.uid ?? "";
    if (uid !== ref.uid) return MISMATCH[kind].replace("%s", uid).replace("%c", ref.uid);
    const deleted = obj.metadata.deletionTimestamp ? Date.parse(obj.metadata.deletionTimestamp) / 1000 : undefined;
    if (deleted !== undefined && deleted < nowSeconds - LEEWAY_SECONDS) return `${NOUN[kind]} ${where} has been deleted`;
  }
  return undefined;
}
