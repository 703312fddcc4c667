/**
 * The node half: enables IPv4 forwarding, waits for this node's pod CIDR (spec.podCIDR, set by the
 * server half) and writes the CNI conflist for it into the runtime's CNI directory; rewritten if the
 * CIDR ever changes. The plugin reports ready (details.ready) only once the file is written. On stop
 * the file stays: running pods keep their network.
 */
import { writeFileSync } from "node:fs";
import { builtinResources, type KubeObject, type Logger, type SharedInformerFactory, type StatusReporter } from "@lite/sdk";
import { CONFLIST_NAME, flannelConflist, writeFileAtomically } from "./cni-config.ts";

export interface NodeNetworkOptions {
  informers: SharedInformerFactory;
  nodeName: string;
  cniConfDir: string;
  clusterCIDR: string;
  bridge: string;
  /** host-local IPAM's reservations: under this node's data dir, so `lite killall` and a data-dir wipe leave none behind. */
  ipamDataDir: string;
  status: StatusReporter;
  log: Logger;
  /** The sysctl tree (default /proc/sys); tests point it elsewhere. */
  procSys: string;
}

interface Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[] };
}

/** Starts watching this node; returns the function that stops it. */
export function startNodeNetwork(o: NodeNetworkOptions): () => void {
  const forwarding = enableIpv4Forwarding(o.procSys, o.log);
  o.status.report({ state: "Running", message: `waiting for node ${o.nodeName} to get a pod CIDR`, details: { ready: false, ipForward: forwarding } });
  let written: string | undefined;
  const apply = (node: Node) => {
    const podCIDR = node.spec?.podCIDRs?.[0] ?? node.spec?.podCIDR;
    if (!podCIDR || podCIDR === written) return;
    const path = `${o.cniConfDir}/${CONFLIST_NAME}`;
    try {
      const content = `${JSON.stringify(flannelConflist({ podCIDR, clusterCIDR: o.clusterCIDR, bridge: o.bridge, ipamDataDir: o.ipamDataDir }), null, 2)}\n`;
      const changed = writeFileAtomically(o.cniConfDir, CONFLIST_NAME, content);
      written = podCIDR;
      if (changed) o.log.info("wrote the CNI configuration", { path, podCIDR });
      o.status.report({
        state: "Running",
        message: `pod network ready: ${podCIDR} on bridge ${o.bridge}`,
        details: { ready: true, podCIDR, clusterCIDR: o.clusterCIDR, bridge: o.bridge, conflist: path, ipForward: forwarding },
      });
    } catch (err) {
      o.status.report({ state: "Degraded", message: `cannot write ${path}: ${(err as Error).message}`, details: { ready: false, podCIDR } });
    }
  };
  const informer = o.informers.informerFor<Node>(builtinResources.nodes, { fieldSelector: `metadata.name=${o.nodeName}` });
  return informer.on({ add: apply, update: (_old, node) => apply(node) });
}

/** Sets net.ipv4.ip_forward=1 (pods reach beyond the node through it); false, with a warning, if it cannot. */
export function enableIpv4Forwarding(procSys: string, log: Logger): boolean {
  try {
    writeFileSync(`${procSys}/net/ipv4/ip_forward`, "1");
    return true;
  } catch (err) {
    log.warn("cannot enable IPv4 forwarding: pods cannot reach beyond this node", { error: (err as Error).message });
    return false;
  }
}
