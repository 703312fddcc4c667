/**
 * Reads a kubeconfig's current context into HTTPS transport options: the cluster's server and CA,
 * and the user's client certificate/key (inline `-data` or file paths, relative to the file) or
 * bearer token. Throws an Error naming the file when something is missing.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { HttpsTransportOptions } from "./https-transport.ts";

type Named<T> = { name: string } & T;

export function kubeconfigTransportOptions(path: string): HttpsTransportOptions {
  // biome-ignore lint: kubeconfig is open YAML.
  const doc = Bun.YAML.parse(readFileSync(path, "utf8")) as any;
  const contexts: Named<{ context: { cluster: string; user: string } }>[] = doc?.contexts ?? [];
  const ctx = contexts.find((c) => c.name === doc?.["current-context"]) ?? contexts[0];
  const cluster = ((doc?.clusters ?? []) as Named<{ cluster: Record<string, string> }>[]).find((c) => c.name === ctx?.context?.cluster)?.cluster;
  const user = ((doc?.users ?? []) as Named<{ user: Record<string, string> }>[]).find((u) => u.name === ctx?.context?.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig ${path} has no cluster server for its current context`);
  const base = dirname(path);
  const material = (data: string | undefined, file: string | undefined): string | undefined =>
    data ? Buffer.from(data, "base64").toString("utf8") : file ? readFileSync(resolve(base, file), "utf8") : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ""),
    caPem: material(cluster["certificate-authority-data"], cluster["certificate-authority"]) ?? "",
    clientCertPem: material(user["client-certificate-data"], user["client-certificate"]),
    clientKeyPem: material(user["client-key-data"], user["client-key"]),
    bearerToken: user.token,
  };
}
