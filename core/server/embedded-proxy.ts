/**
 * The service proxy of the server's embedded agent: in-process as `system:kube-proxy` (bound to
 * `system:node-proxier` by the bootstrap policy), NodePorts on the node IP, the cluster CIDR as the
 * pod network. `--disable-kube-proxy` instead removes whatever rules an earlier run left.
 */
import type { Logger } from "@lite/sdk";
import type { ApiServer } from "../apiserver/index.ts";
import { createApiClient, inProcessTransport } from "../client/index.ts";
import type { ServerSettings } from "../config/settings.ts";
import { removeProxyRules, startServiceProxy, type ServiceProxy } from "../proxy/index.ts";

export const KUBE_PROXY_USER = { username: "system:kube-proxy", groups: ["system:authenticated"] } as const;

export function startEmbeddedProxy(settings: ServerSettings, api: ApiServer, log: Logger): ServiceProxy {
  const client = createApiClient({ transport: inProcessTransport(api, { ...KUBE_PROXY_USER, groups: [...KUBE_PROXY_USER.groups] }), fieldManager: "kube-proxy", userAgent: "kube-proxy" });
  return startServiceProxy({
    client, log, nodeName: settings.nodeName,
    // Upstream ignores loopback NodePort addresses; with only a loopback node IP, every other local address serves NodePorts.
    nodePortAddresses: settings.nodeIP && !settings.nodeIP.startsWith("127.") ? [settings.nodeIP] : "all",
    clusterCIDRs: settings.cluster.clusterCIDR.split(","),
  });
}

/** `--disable-kube-proxy`: the node keeps no lite proxy rules from an earlier run. */
export async function removeEmbeddedProxyRules(log: Logger): Promise<void> {
  try {
    await removeProxyRules();
  } catch (err) {
    log.warn("could not remove the service proxy's nftables rules", { error: String(err) });
  }
}
