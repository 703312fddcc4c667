/**
 * Bootstrap tokens (k8s.io/cluster-bootstrap): `<id>.<secret>` backed by the Secret
 * `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`. This file holds
 * the format, the Secret layout and parsing; the authenticator is bootstrap-authenticator.ts.
 */
import { randomInt } from "node:crypto";
import type { KObject } from "../../apiserver/resources/index.ts";
import { formatTime } from "../../kube-time.ts";

export const BOOTSTRAP_SECRET_PREFIX = "bootstrap-token-";
export const BOOTSTRAP_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const BOOTSTRAP_NAMESPACE = "kube-system";
export const BOOTSTRAP_USER_PREFIX = "system:bootstrap:";
export const BOOTSTRAP_DEFAULT_GROUP = "system:bootstrappers";
export const KNOWN_USAGES = ["signing", "authentication"] as const;
/** K3s' default extra group for `k3s token create`. */
export const K3S_DEFAULT_NODE_GROUP = "system:bootstrappers:k3s:default-node-token";

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ID = /^[a-z0-9]{6}$/;
const GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
}

/** `abcdef.0123456789abcdef` -> parts; undefined when the string is not a bootstrap token. */
export function parseBootstrapToken(token: string): BootstrapToken | undefined {
  const m = TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function isBootstrapTokenId(id: string): boolean {
  return TOKEN_ID.test(id);
}

export function generateBootstrapToken(): BootstrapToken {
  const pick = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return { id: pick(6), secret: pick(16) };
}

export function secretNameFor(id: string): string {
  return `${BOOTSTRAP_SECRET_PREFIX}${id}`;
}

/** Why an extra group is unacceptable (undefined when it is fine). */
export function validateBootstrapGroup(group: string): string | undefined {
  return GROUP.test(group) ? undefined : `group ${JSON.stringify(group)} does not match the pattern "system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]"`;
}

export function validateUsage(usage: string): string | undefined {
  return (KNOWN_USAGES as readonly string[]).includes(usage) ? undefined : `unknown usage ${JSON.stringify(usage)} (known: ${KNOWN_USAGES.join(", ")})`;
}

export interface BootstrapTokenSpec {
  token: BootstrapToken;
  description?: string;
  /** Absent: never expires. */
  expires?: Date;
  usages: readonly string[];
  groups: readonly string[];
}


/** The Secret that stores a bootstrap token (values in `data`, base64 as the API expects). */
export function bootstrapTokenSecret(spec: BootstrapTokenSpec): KObject {
  const data: Record<string, string> = { "token-id": spec.token.id, "token-secret": spec.token.secret };
  if (spec.description) data.description = spec.description;
  if (spec.expires) data.expiration = formatTime(spec.expires);
  for (const u of spec.usages) data[`usage-bootstrap-${u}`] = "true";
  if (spec.groups.length) data["auth-extra-groups"] = spec.groups.join(",");
  return {
    apiVersion: "v1", kind: "Secret", type: BOOTSTRAP_SECRET_TYPE,
    metadata: { name: secretNameFor(spec.token.id), namespace: BOOTSTRAP_NAMESPACE },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

/** One decoded `data` value of a Secret ("" when absent or malformed). */
export function secretValue(secret: KObject, key: string): string {
  const v = (secret.data as Record<string, unknown> | undefined)?.[key];
  return typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "";
}

/** Upstream HasExpired: an unparsable expiration counts as expired. */
export function hasExpired(secret: KObject, now: Date): boolean {
  const exp = secretValue(secret, "expiration");
  if (!exp) return false;
  const t = Date.parse(exp);
  return Number.isNaN(t) || t <= now.getTime();
}

/** The default group then the extras (trimmed, de-duplicated); undefined if an extra is invalid. */
export function bootstrapGroups(secret: KObject): string[] | undefined {
  const groups = [BOOTSTRAP_DEFAULT_GROUP];
  const extras = secretValue(secret, "auth-extra-groups");
  for (const raw of extras ? extras.split(",") : []) {
    const g = raw.trim();
    if (validateBootstrapGroup(g)) return undefined;
    if (!groups.includes(g)) groups.push(g);
  }
  return groups;
}
