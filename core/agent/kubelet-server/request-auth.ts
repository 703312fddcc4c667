/**
 * Who is calling the kubelet and what they ask for, as upstream's kubelet auth filter sees it
 * (kubelet `server/auth.go`): an x509 client certificate (CN user, O groups) or a bearer token;
 * anonymous requests are refused (K3s runs the kubelet with --anonymous-auth=false). Requests are
 * authorized as the node resource: `nodes/<subresource>` named after the node, the verb from the
 * HTTP method.
 */
import type { ClientCertificate } from "../../apiserver/transport/index.ts";
import type { Attributes, UserInfo } from "../../apiserver/authz/types.ts";

/** Resolves a bearer token to its user (TokenReview semantics); undefined when invalid. */
export type TokenAuthenticator = (token: string) => Promise<UserInfo | undefined>;

export type Authentication = { ok: true; user: UserInfo } | { ok: false; reason: string };

export async function authenticateKubeletRequest(req: Request, client: ClientCertificate, authenticateToken?: TokenAuthenticator): Promise<Authentication> {
  if (client.kind === "rejected") return { ok: false, reason: client.reason };
  if (client.kind === "verified") {
    const groups = [...client.identity.groups];
    if (!groups.includes("system:authenticated")) groups.push("system:authenticated");
    return { ok: true, user: { username: client.identity.user, groups } };
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
  if (m && authenticateToken) {
    const user = await authenticateToken(m[1]!);
    if (user) return { ok: true, user };
    return { ok: false, reason: "invalid bearer token" };
  }
  return { ok: false, reason: "no client certificate or bearer token" };
}

const VERBS: Record<string, string> = { GET: "get", HEAD: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };

/** The subresource of `nodes` a kubelet path is authorized as. */
export function kubeletSubresource(path: string): string {
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  if (under("/stats")) return "stats";
  if (under("/metrics")) return "metrics";
  if (under("/logs")) return "log";
  if (under("/checkpoint")) return "checkpoint";
  return "proxy";
}

/** Authorization attributes of a kubelet request (upstream GetRequestAttributes). */
export function kubeletRequestAttributes(user: UserInfo, method: string, path: string, nodeName: string): Attributes {
  return {
    user,
    verb: VERBS[method.toUpperCase()] ?? method.toLowerCase(),
    isResourceRequest: true,
    path,
    apiGroup: "",
    apiVersion: "v1",
    namespace: "",
    resource: "nodes",
    subresource: kubeletSubresource(path),
    name: nodeName,
  };
}

/** Upstream's 403 text. */
export function forbiddenMessage(attrs: Attributes): string {
  return `Forbidden (user=${attrs.user.username}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})`;
}
