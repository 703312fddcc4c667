/**
 * NetworkPolicy enforcement on the server's embedded agent: in-process as
 * `system:lite-network-policy` (ClusterRole `lite:network-policy`: read pods, namespaces and
 * networkpolicies). `--disable-network-policy` instead removes whatever table an earlier run left.
 */
import type { Logger } from "@lite/sdk";
import type { ApiServer } from "../apiserver/index.ts";
import { NETWORK_POLICY_USER } from "../auth/authz/bootstrap/bindings.ts";
import { createApiClient, inProcessTransport } from "../client/index.ts";
import { removeNetpolRules, startNetpolController, type NetpolController } from "../netpol/index.ts";

export function startEmbeddedNetpol(nodeName: string, api: ApiServer, log: Logger): NetpolController {
  const client = createApiClient({ transport: inProcessTransport(api, { username: NETWORK_POLICY_USER, groups: ["system:authenticated"] }), fieldManager: "network-policy", userAgent: "lite-network-policy" });
  return startNetpolController({ client, log, nodeName });
}

/** `--disable-network-policy`: the node keeps no lite network policy rules from an earlier run. */
export async function removeEmbeddedNetpolRules(log: Logger): Promise<void> {
  try {
    await removeNetpolRules();
  } catch (err) {
    log.warn("could not remove the network policy nftables table", { error: String(err) });
  }
}
