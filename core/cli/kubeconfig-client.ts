/**
 * HTTPS requests to a cluster with a kubeconfig's current context: server, CA and client
 * certificate/key (inline `-data` or file paths) or bearer token. For CLI commands that talk to
 * the local server as the admin (`lite token`).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../config/config-error.ts";

export interface KubeconfigClient {
  readonly server: string;
  /** PEM of the cluster CA from the kubeconfig (exact bytes). */
  readonly caPem: string;
  request(method: string, path: string, body?: unknown): Promise<Response>;
}

type Named<T> = { name: string } & T;

export function loadKubeconfigClient(path: string): KubeconfigClient {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read kubeconfig ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (is lite server running? pass --kubeconfig)`);
  }
  // biome-ignore lint: kubeconfig is open YAML.
  let doc: any;
  try {
    doc = Bun.YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`kubeconfig ${path} is not valid YAML: ${(err as Error).message}`);
  }
  const contexts: Named<{ context: { cluster: string; user: string } }>[] = doc?.contexts ?? [];
  const ctx = contexts.find((c) => c.name === doc?.["current-context"]) ?? contexts[0];
  const cluster = ((doc?.clusters ?? []) as Named<{ cluster: Record<string, string> }>[]).find((c) => c.name === ctx?.context?.cluster)?.cluster;
  const user = ((doc?.users ?? []) as Named<{ user: Record<string, string> }>[]).find((u) => u.name === ctx?.context?.user)?.user ?? {};
  if (!cluster?.server) throw new ConfigError(`kubeconfig ${path} has no cluster server for its current context`);
  const base = dirname(path);
  const material = (data: string | undefined, file: string | undefined): string | undefined =>
    data ? Buffer.from(data, "base64").toString("utf8") : file ? readFileSync(resolve(base, file), "utf8") : undefined;
  const caPem = material(cluster["certificate-authority-data"], cluster["certificate-authority"]) ?? "";
  const cert = material(user["client-certificate-data"], user["client-certificate"]);
  const key = material(user["client-key-data"], user["client-key"]);
  const server = cluster.server.replace(/\/+$/, "");
  const tls = { ...(caPem ? { ca: caPem } : {}), ...(cert && key ? { cert, key } : {}) };
  return {
    server, caPem,
    request(method, p, body) {
      const headers: Record<string, string> = { accept: "application/json" };
      if (user.token) headers.authorization = `Bearer ${user.token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      return fetch(`${server}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), tls, signal: AbortSignal.timeout(15_000) } as RequestInit);
    },
  };
}
