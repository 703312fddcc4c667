/**
 * The join endpoints on the API server's port (K3s' supervisor routes, pkg/server/handlers/router.go,
 * under a lite path):
 *
 *  - `GET /cacerts`: the server CA bundle, unauthenticated (the agent checks its hash against the token).
 *  - `GET /ping`: `pong`, unauthenticated (the agent proves the server holds a certificate of that CA).
 *  - `POST /v1-lite/join`: authenticated by the token (`Basic server:<secret>` or `node:<secret>`, or
 *    `Bearer <bootstrap token>` as system:bootstrappers). Body `{nodeName, nodeIP, nodePassword,
 *    plugins}`. Checks (or records) the node password, then answers with the cluster configuration,
 *    the CA certificates, the kubelet's client (`system:node:<name>`, group `system:nodes`) and serving
 *    certificates, the service proxy's (`system:kube-proxy`), and one per node-half plugin the agent
 *    runs (`system:lite-plugin:<id>`: the identity plugins have in the server process).
 *  - `PUT /v1-lite/token` (K3s `PUT /v1-k3s/token`, `k3s token rotate`): authenticated by the current
 *    server token only (`Basic server:<secret>`). Body `{newToken?}` (absent: a random secret).
 *    Replaces the server secret at once and answers `{token}`, the new full token. Joined agents
 *    are not affected: they talk to the API server with their certificates.
 *
 * Everything else passes on (undefined) to the API server's authentication.
 */
import { isAlreadyExists, isNotFound, type ApiClient, type ClusterSettings, type KubeObject, type Logger, builtinResources } from "@lite/sdk";
import type { ClientCertificate } from "../../apiserver/transport/index.ts";
import { constantTimeEqual } from "../../auth/authn/bootstrap-authenticator.ts";
import type { Authentication } from "../../auth/authn/index.ts";
import {
  hashNodePassword, nodePasswordSecretName, verifyNodePassword, NODE_PASSWORD_KEY, NODE_PASSWORD_NAMESPACE, NODE_PASSWORD_SECRET_TYPE,
} from "../../agent/join/node-password.ts";
import { issueClientCertificate, issueServingCertificate, type ServerPKI } from "../../pki/index.ts";
import { NETWORK_POLICY_USER } from "../../auth/authz/bootstrap/bindings.ts";
import { rotateServerToken, type ServerTokens } from "./server-token.ts";
import { TokenFormatError } from "../../agent/join/token.ts";

export const JOIN_PATH = "/v1-lite/join";
export const TOKEN_PATH = "/v1-lite/token";
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PLUGIN_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** What the server tells a joining agent. */
export interface JoinResponse {
  readonly nodeName: string;
  readonly cluster: ClusterSettings;
  /** Embedded plugins the server has switched off (the agent runs none of their node halves). */
  readonly disable: readonly string[];
  /** `--disable-kube-proxy` on the server: no service proxy on any node. */
  readonly disableKubeProxy: boolean;
  /** `--disable-network-policy` on the server: no NetworkPolicy enforcement on any node (absent from older servers). */
  readonly disableNetworkPolicy?: boolean;
  /** Per-plugin configuration defaults from server flags (e.g. flannel's backend). */
  readonly pluginConfig: Readonly<Record<string, Record<string, unknown>>>;
  readonly serverCA: string;
  readonly clientCA: string;
  readonly kubeletClient: PemPair;
  readonly kubeletServing: PemPair;
  readonly kubeProxy: PemPair;
  /** The network policy controller's identity (`system:lite-network-policy`); absent from older servers. */
  readonly networkPolicy?: PemPair;
  readonly plugins: Readonly<Record<string, PemPair>>;
}
export interface PemPair { readonly cert: string; readonly key: string }

export interface JoinRequest {
  nodeName: string;
  nodeIP: string;
  nodePassword: string;
  plugins?: string[];
}

export interface JoinRoutesOptions {
  pki: ServerPKI;
  /** The CA bundle exactly as the token hash covers it (server-ca.crt's bytes). */
  caBundle: string;
  tokens: ServerTokens;
  /** The server's data dir (`server/token` is rewritten by a rotation). */
  dataDir: string;
  authn: Pick<Authentication, "authenticate">;
  /** Writes node-password Secrets (in-process, privileged). */
  client: ApiClient;
  cluster: ClusterSettings;
  disable: readonly string[];
  disableKubeProxy: boolean;
  disableNetworkPolicy?: boolean;
  pluginConfig: Readonly<Record<string, Record<string, unknown>>>;
  log: Logger;
}

export interface JoinRoutes {
  /** The response for a join path, or undefined for every other request. */
  handle(req: Request, client: ClientCertificate): Promise<Response> | undefined;
}

const text = (status: number, body: string) => new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

export function createJoinRoutes(o: JoinRoutesOptions): JoinRoutes {
  const log = o.log.child({ component: "join" });
  // One join per node name at a time: two machines racing for a new name cannot both record a password.
  const busy = new Map<string, Promise<unknown>>();

  async function authorizeToken(req: Request, client: ClientCertificate): Promise<string | undefined> {
    const header = req.headers.get("authorization") ?? "";
    if (header.startsWith("Basic ")) {
      const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const [user, password] = colon < 0 ? ["", decoded] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
      if (user === "server" && constantTimeEqual(password, o.tokens.serverSecret)) return "server";
      if (user === "node" && (constantTimeEqual(password, o.tokens.agentSecret ?? o.tokens.serverSecret) || constantTimeEqual(password, o.tokens.serverSecret))) return "node";
      return undefined;
    }
    if (header.startsWith("Bearer ")) {
      const who = await o.authn.authenticate(req, client);
      if ("user" in who && who.user.groups.includes("system:bootstrappers")) return who.user.username;
    }
    return undefined;
  }

  async function checkNodePassword(nodeName: string, password: string): Promise<"ok" | "rejected"> {
    const target = { ...builtinResources.secrets, namespace: NODE_PASSWORD_NAMESPACE, name: nodePasswordSecretName(nodeName) };
    try {
      const secret = await o.client.get<KubeObject & { data?: Record<string, string> }>(target);
      const stored = Buffer.from(secret.data?.[NODE_PASSWORD_KEY] ?? "", "base64").toString("utf8");
      return verifyNodePassword(password, stored) ? "ok" : "rejected";
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await o.client.create({ ...builtinResources.secrets, namespace: NODE_PASSWORD_NAMESPACE }, {
        apiVersion: "v1", kind: "Secret", type: NODE_PASSWORD_SECRET_TYPE,
        metadata: { name: target.name, namespace: NODE_PASSWORD_NAMESPACE, labels: { "lite.dev/node": nodeName } },
        data: { [NODE_PASSWORD_KEY]: Buffer.from(hashNodePassword(password)).toString("base64") },
      } as KubeObject);
      return "ok";
    } catch (err) {
      if (isAlreadyExists(err)) return checkNodePassword(nodeName, password);
      throw err;
    }
  }

  async function join(req: Request, client: ClientCertificate): Promise<Response> {
    if (req.method !== "POST") return text(405, "use POST");
    const who = await authorizeToken(req, client);
    if (!who) return text(401, "the join token was not accepted by the server");
    let body: JoinRequest;
    try {
      body = (await req.json()) as JoinRequest;
    } catch {
      return text(400, "the join request is not JSON");
    }
    const { nodeName, nodeIP, nodePassword } = body ?? ({} as JoinRequest);
    if (typeof nodeName !== "string" || nodeName.length > 253 || !DNS_NAME.test(nodeName)) return text(400, `invalid node name ${JSON.stringify(nodeName)}`);
    const ip = typeof nodeIP === "string" ? IPV4.exec(nodeIP) : null;
    if (!ip || ip.slice(1).some((x) => Number(x) > 255)) return text(400, `invalid node IP ${JSON.stringify(nodeIP)} (an IPv4 address)`);
    if (typeof nodePassword !== "string" || nodePassword.length < 8) return text(400, "the node password is missing");
    const plugins = Array.isArray(body.plugins) ? body.plugins : [];
    if (plugins.some((p) => typeof p !== "string" || !PLUGIN_ID.test(p))) return text(400, "invalid plugin ids");

    while (busy.has(nodeName)) await busy.get(nodeName)!.catch(() => {});
    const check = checkNodePassword(nodeName, nodePassword);
    busy.set(nodeName, check);
    let verdict: "ok" | "rejected";
    try {
      verdict = await check;
    } finally {
      busy.delete(nodeName);
    }
    if (verdict === "rejected") {
      log.warn("node password rejected", { node: nodeName, from: who });
      return text(403, `Node password rejected, duplicate hostname or contents of the node password file may not match the server's entry for node "${nodeName}" (Secret ${NODE_PASSWORD_NAMESPACE}/${nodePasswordSecretName(nodeName)}); try enabling a unique node name with the --with-node-id flag`);
    }

    const days = 365;
    const clientCA = o.pki.clientCA.authority;
    const [kubeletClient, kubeletServing, kubeProxy, networkPolicy, ...pluginPairs] = await Promise.all([
      issueClientCertificate(clientCA, { commonName: `system:node:${nodeName}`, organizations: ["system:nodes"], days }),
      issueServingCertificate(o.pki.serverCA.authority, { commonName: nodeName, dns: [...new Set([nodeName, "localhost"])], ips: [...new Set([nodeIP, "127.0.0.1"])], days }),
      issueClientCertificate(clientCA, { commonName: "system:kube-proxy", days }),
      issueClientCertificate(clientCA, { commonName: NETWORK_POLICY_USER, days }),
      ...plugins.map((id) => issueClientCertificate(clientCA, { commonName: `system:lite-plugin:${id}`, days })),
    ]);
    const pair = (c: { certPem: string; keyPem: string }): PemPair => ({ cert: c.certPem, key: c.keyPem });
    const response: JoinResponse = {
      nodeName, cluster: o.cluster, disable: o.disable, disableKubeProxy: o.disableKubeProxy, disableNetworkPolicy: o.disableNetworkPolicy ?? false, pluginConfig: o.pluginConfig,
      serverCA: o.caBundle, clientCA: clientCA.certPem,
      kubeletClient: pair(kubeletClient!), kubeletServing: pair(kubeletServing!), kubeProxy: pair(kubeProxy!), networkPolicy: pair(networkPolicy!),
      plugins: Object.fromEntries(plugins.map((id, i) => [id, pair(pluginPairs[i]!)])),
    };
    log.info("node joined", { node: nodeName, ip: nodeIP, as: who });
    return Response.json(response);
  }

  async function rotate(req: Request, client: ClientCertificate): Promise<Response> {
    if (req.method !== "PUT") return text(405, "use PUT");
    const header = req.headers.get("authorization") ?? "";
    if (!header.startsWith("Basic ") || (await authorizeToken(req, client)) !== "server") {
      return text(401, "the token is not the server's current token (user server)");
    }
    let body: { newToken?: unknown };
    try {
      body = ((await req.json()) ?? {}) as { newToken?: unknown };
    } catch {
      return text(400, "the token request is not JSON");
    }
    if (body.newToken !== undefined && typeof body.newToken !== "string") return text(400, "newToken must be a string");
    try {
      const token = rotateServerToken({ dataDir: o.dataDir, caBundle: o.caBundle, tokens: o.tokens, newToken: body.newToken });
      log.info("server token rotated: the old token no longer joins nodes");
      return Response.json({ token });
    } catch (err) {
      if (err instanceof TokenFormatError) return text(400, err.message);
      throw err;
    }
  }

  return {
    handle(req, client) {
      const path = new URL(req.url).pathname;
      if (path === "/cacerts") return Promise.resolve(new Response(o.caBundle, { headers: { "content-type": "application/x-pem-file" } }));
      if (path === "/ping") return Promise.resolve(text(200, "pong"));
      if (path === JOIN_PATH) {
        return join(req, client).catch((err: unknown) => {
          log.error("join failed", { error: String(err) });
          return text(500, `join failed on the server: ${(err as Error).message}`);
        });
      }
      if (path === TOKEN_PATH) {
        return rotate(req, client).catch((err: unknown) => {
          log.error("token rotation failed", { error: String(err) });
          return text(500, `token rotation failed on the server: ${(err as Error).message}`);
        });
      }
      return undefined;
    },
  };
}
