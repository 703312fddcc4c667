/**
 * `kube-system/extension-apiserver-authentication` (upstream's ClientCARegistrationHook): how
 * aggregated API servers (metrics-server, prometheus-adapter, ...) authenticate requests this API
 * server forwards to them. They trust the request-header CA and the names in
 * `requestheader-allowed-names` for the front-proxy client certificate, then read the user from
 * the X-Remote-* headers; `client-ca-file` lets them accept the cluster's client certificates too.
 * Written at every start; updated only when it differs.
 */
import type { ApiClient, KubeObject } from "@lite/sdk";
import { isNotFound } from "@lite/sdk";

const CONFIGMAPS = { group: "", version: "v1", resource: "configmaps", namespace: "kube-system" } as const;
export const EXTENSION_AUTH_CONFIGMAP = "extension-apiserver-authentication";

export function extensionAuthenticationData(o: { clientCAPem: string; requestHeaderCAPem: string; allowedNames: string[] }): Record<string, string> {
  return {
    "client-ca-file": o.clientCAPem,
    "requestheader-allowed-names": JSON.stringify(o.allowedNames),
    "requestheader-client-ca-file": o.requestHeaderCAPem,
    "requestheader-extra-headers-prefix": JSON.stringify(["X-Remote-Extra-"]),
    "requestheader-group-headers": JSON.stringify(["X-Remote-Group"]),
    "requestheader-username-headers": JSON.stringify(["X-Remote-User"]),
  };
}

export async function publishExtensionAuthentication(client: ApiClient, data: Record<string, string>): Promise<void> {
  let have: KubeObject | undefined;
  try {
    have = await client.get<KubeObject>({ ...CONFIGMAPS, name: EXTENSION_AUTH_CONFIGMAP });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!have) {
    await client.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: EXTENSION_AUTH_CONFIGMAP, namespace: "kube-system" }, data } as KubeObject);
    return;
  }
  const current = (have as unknown as { data?: Record<string, string> }).data ?? {};
  if (JSON.stringify(current) === JSON.stringify(data)) return;
  await client.update(CONFIGMAPS, { ...(have as object), data } as unknown as KubeObject);
}
