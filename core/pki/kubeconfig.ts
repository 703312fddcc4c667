// Kubeconfig files with embedded, base64-encoded credentials, as K3s writes
// /etc/rancher/k3s/k3s.yaml and server/cred/*.kubeconfig.
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface KubeconfigParams {
  /** API server URL, e.g. https://127.0.0.1:6443 */
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  clusterName?: string;
  user?: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** Renders a single-context kubeconfig (cluster, user and context share defaults "default"). */
export function renderKubeconfig(p: KubeconfigParams): string {
  const cluster = p.clusterName ?? "default";
  const user = p.user ?? "default";
  const doc = {
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": b64(p.caPem), server: p.server }, name: cluster }],
    contexts: [{ context: { cluster, user }, name: cluster }],
    "current-context": cluster,
    kind: "Config",
    preferences: {},
    users: [{ name: user, user: { "client-certificate-data": b64(p.certPem), "client-key-data": b64(p.keyPem) } }],
  };
  return Bun.YAML.stringify(doc, null, 2) + "\n";
}

/**
 * Writes a kubeconfig atomically with `mode` (default 0600), creating missing
 * parent directories (0755, like /etc/rancher/k3s).
 */
export async function writeKubeconfig(path: string, yaml: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`;
  await writeFile(tmp, yaml, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}
