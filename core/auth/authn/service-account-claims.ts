/**
 * Service-account token claims as kube-apiserver writes and reads them (pkg/serviceaccount
 * claims.go): public claims iss/sub/aud/exp/iat/nbf/jti and the private `kubernetes.io` claim
 * naming the namespace, the service account and the bound pod/secret/node with their uids.
 */
import type { KObject } from "../../apiserver/resources/index.ts";
import type { UserInfo } from "./types.ts";

export const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

/** Extra keys upstream puts in a service account user's info. */
export const EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
export const EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";
export const EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name";
export const EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid";
export const EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface KubernetesClaim {
  namespace: string;
  node?: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  serviceaccount: ObjectRef;
}

export interface ServiceAccountClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  "kubernetes.io": KubernetesClaim;
  nbf: number;
  sub: string;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** `system:serviceaccount:ns:name` -> [ns, name] (upstream SplitUsername); undefined otherwise. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(":");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

const refOf = (o: KObject | undefined): ObjectRef | undefined => (o ? { name: o.metadata.name ?? "", uid: o.metadata.uid ?? "" } : undefined);

/** Upstream `Claims(sa, pod, secret, node, expirationSeconds, audiences)`. Keys are in the order Go's map encoding gives. */
export function buildClaims(opts: {
  issuer: string;
  serviceAccount: KObject;
  pod?: KObject;
  secret?: KObject;
  node?: KObject;
  expirationSeconds: number;
  audiences: readonly string[];
  now: Date;
  jti: string;
}): ServiceAccountClaims {
  const iat = Math.floor(opts.now.getTime() / 1000);
  const namespace = opts.serviceAccount.metadata.namespace ?? "";
  const k8s: KubernetesClaim = { namespace } as KubernetesClaim;
  const node = refOf(opts.node);
  const pod = refOf(opts.pod);
  const secret = refOf(opts.secret);
  if (node) k8s.node = node;
  if (pod) k8s.pod = pod;
  if (secret) k8s.secret = secret;
  k8s.serviceaccount = refOf(opts.serviceAccount)!;
  return {
    aud: [...opts.audiences],
    exp: iat + opts.expirationSeconds,
    iat,
    iss: opts.issuer,
    jti: opts.jti,
    "kubernetes.io": k8s,
    nbf: iat,
    sub: serviceAccountUsername(namespace, opts.serviceAccount.metadata.name ?? ""),
  };
}

/** The user a validated token authenticates as (without `system:authenticated`, added by the chain). */
export function userFromClaims(claims: { jti?: unknown; "kubernetes.io": KubernetesClaim }): UserInfo {
  const k = claims["kubernetes.io"];
  const extra: Record<string, string[]> = {};
  if (k.pod) {
    extra[EXTRA_POD_NAME] = [k.pod.name];
    extra[EXTRA_POD_UID] = [k.pod.uid];
  }
  if (k.node) {
    extra[EXTRA_NODE_NAME] = [k.node.name];
    extra[EXTRA_NODE_UID] = [k.node.uid];
  }
  if (typeof claims.jti === "string" && claims.jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${claims.jti}`];
  const user: UserInfo = {
    username: serviceAccountUsername(k.namespace, k.serviceaccount.name),
    uid: k.serviceaccount.uid,
    groups: serviceAccountGroups(k.namespace),
  };
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}

/** Reads the private claim from an untrusted payload (undefined when malformed). */
export function parseKubernetesClaim(v: unknown): KubernetesClaim | undefined {
  if (!v || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  const ref = (r: unknown): ObjectRef | undefined => {
    if (!r || typeof r !== "object") return undefined;
    const { name, uid } = r as Record<string, unknown>;
    return typeof name === "string" && name && typeof uid === "string" ? { name, uid } : undefined;
  };
  const sa = ref(o.serviceaccount);
  if (typeof o.namespace !== "string" || !o.namespace || !sa) return undefined;
  const claim: KubernetesClaim = { namespace: o.namespace, serviceaccount: sa };
  for (const key of ["pod", "secret", "node"] as const) {
    if (o[key] === undefined) continue;
    const r = ref(o[key]);
    if (!r) return undefined;
    claim[key] = r;
  }
  return claim;
}
