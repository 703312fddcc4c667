/**
 * The node half (vxlan and host-gw backends): one level-triggered sync, run whenever a Node's pod
 * CIDR or flannel annotations change, a Node goes away, every `resyncMs` (repairing drift), and
 * with back-off after a failure. Each sync, in order:
 *
 *   1. waits for this node's pod CIDR (spec.podCIDR, set by the server half);
 *   2. finds the external interface (--flannel-iface, else the node IP's, else the default route's);
 *   3. sets the backend's device up (vxlan: flannel.1);
 *   4. publishes the backend type, data and public IP as Node annotations (upstream flannel's);
 *   5. installs the masquerade and forward rules (table ip lite-flannel);
 *   6. writes the CNI conflist: only now does the runtime report NetworkReady, so a node without a
 *      working backend never turns Ready;
 *   7. programs routes, neighbour and FDB entries for every other node, removing stale ones.
 *
 * The plugin reports details.ready once step 6 is done; a failing step reports Degraded, naming it.
 * Stopping leaves everything in place: running pods keep their network across a restart
 * (uninstall.ts removes it).
 */
import { writeFileSync } from "node:fs";
import { builtinResources, type ApiClient, type Logger, type SharedInformerFactory, type StatusReporter } from "@lite/sdk";
import { annotationsToPatch, leaseOf, nodeAnnotations, podCIDROf, publishedVtepMAC, BACKEND_DATA, BACKEND_TYPE, KUBE_SUBNET_MANAGER, PUBLIC_IP, type Backend, type FlannelNode, type Lease } from "./annotations.ts";
import { reconcileRoutes, setupBackend } from "./backend.ts";
import { CONFLIST_NAME, flannelConflist, writeFileAtomically } from "./cni-config.ts";
import type { CommandRunner } from "./command-runner.ts";
import { findExternalInterface } from "./host-network.ts";
import { ensureMasquerade, masqueradeRuleset, NFT_FAMILY, NFT_TABLE } from "./masquerade.ts";

export interface NodeNetworkOptions {
  informers: SharedInformerFactory;
  client: ApiClient;
  nodeName: string;
  /** The node's primary IP: the flannel interface is the one holding it, unless `iface` says otherwise. */
  nodeIP?: string;
  /** --flannel-iface: an interface name or one of its IPv4 addresses. */
  iface?: string;
  backend: Backend;
  cniConfDir: string;
  clusterCIDR: string;
  bridge: string;
  /** host-local IPAM's reservations: under this node's data dir, so `lite killall` and a data-dir wipe leave none behind. */
  ipamDataDir: string;
  status: StatusReporter;
  log: Logger;
  /** The sysctl tree (default /proc/sys); tests point it elsewhere. */
  procSys: string;
  /** Runs ip, bridge and nft (bound to a network namespace in tests). */
  runner: CommandRunner;
  /** Full resync period (default 30 s). */
  resyncMs?: number;
  /** First and longest wait before retrying a failed sync (default 1 s and 30 s). */
  retryMs?: { min: number; max: number };
}

/** What about a Node makes this node's forwarding state change. */
const relevant = (n: FlannelNode) => {
  const a = n.metadata.annotations ?? {};
  return JSON.stringify([podCIDROf(n), a[BACKEND_TYPE], a[BACKEND_DATA], a[PUBLIC_IP], a[KUBE_SUBNET_MANAGER]]);
};

/** Starts the node half; resolves nothing, returns the function that stops it (waiting for a sync in flight). */
export function startNodeNetwork(o: NodeNetworkOptions): () => Promise<void> {
  const abort = new AbortController();
  const forwarding = enableIpv4Forwarding(o.procSys, o.log);
  const conflistPath = `${o.cniConfDir}/${CONFLIST_NAME}`;
  const informer = o.informers.informerFor<FlannelNode>(builtinResources.nodes);
  let conflistWritten = false;
  let lastReport = "";
  const report = (state: "Running" | "Degraded", message: string, details: Record<string, unknown>) => {
    const key = JSON.stringify([state, message, details]);
    if (key === lastReport) return;
    lastReport = key;
    o.status.report({ state, message, details: { backend: o.backend, ipForward: forwarding, ...details } });
  };
  report("Running", `waiting for node ${o.nodeName} to get a pod CIDR`, { ready: false });

  const sync = async (): Promise<boolean> => {
    const self = informer.get(o.nodeName);
    const podCIDR = self && podCIDROf(self);
    if (!self || !podCIDR) {
      report("Running", `waiting for node ${o.nodeName} to get a pod CIDR`, { ready: conflistWritten });
      return true;
    }
    let step = "finding the flannel interface";
    try {
      const external = await findExternalInterface(o.runner, { iface: o.iface, nodeIP: o.nodeIP });
      step = o.backend === "vxlan" ? "setting up the VXLAN device flannel.1" : "setting up the host-gw backend";
      const setup = await setupBackend(o.runner, { backend: o.backend, podCIDR, external, publishedMAC: publishedVtepMAC(self) });
      for (const change of setup.changes) o.log.info(change);

      step = "publishing the node's flannel annotations";
      const patch = annotationsToPatch(self, nodeAnnotations({ backend: o.backend, publicIP: external.address, vtepMAC: setup.vtepMAC }));
      if (patch) {
        await o.client.patch({ ...builtinResources.nodes, name: o.nodeName }, "merge", { metadata: { annotations: patch } }, { signal: abort.signal });
        o.log.info("published the node's flannel annotations", { annotations: patch });
      }

      step = `installing the masquerade rules (nftables table ${NFT_FAMILY} ${NFT_TABLE})`;
      if (await ensureMasquerade(o.runner, masqueradeRuleset({ clusterCIDR: o.clusterCIDR, podCIDR }))) {
        o.log.info("installed the masquerade rules", { table: `${NFT_FAMILY} ${NFT_TABLE}` });
      }

      step = `writing ${conflistPath}`;
      const content = `${JSON.stringify(flannelConflist({ podCIDR, clusterCIDR: o.clusterCIDR, bridge: o.bridge, ipamDataDir: o.ipamDataDir, mtu: setup.mtu }), null, 2)}\n`;
      if (writeFileAtomically(o.cniConfDir, CONFLIST_NAME, content)) o.log.info("wrote the CNI configuration", { path: conflistPath, podCIDR, mtu: setup.mtu });
      conflistWritten = true;

      step = "programming routes to the other nodes";
      const leases = informer.list().map(leaseOf).filter((l): l is Lease => l !== undefined);
      const routes = await reconcileRoutes(o.runner, { backend: o.backend, selfName: o.nodeName, selfPodCIDR: podCIDR, external, leases });
      if (routes.applied.length) o.log.info("programmed routes to the other nodes", { peers: routes.peers, commands: routes.applied.map((c) => c.join(" ")) });

      report("Running", `pod network ready: ${podCIDR} on bridge ${o.bridge}`, {
        ready: true, podCIDR, clusterCIDR: o.clusterCIDR, bridge: o.bridge, conflist: conflistPath, mtu: setup.mtu,
        interface: external.name, publicIP: external.address, ...(setup.vtepMAC ? { vtepMAC: setup.vtepMAC } : {}), peers: routes.peers,
      });
      return true;
    } catch (err) {
      if (abort.signal.aborted) return true;
      const message = `${step}: ${(err as Error).message}`;
      o.log.warn("pod network sync failed; retrying", { error: message });
      report("Degraded", message, { ready: conflistWritten, podCIDR });
      return false;
    }
  };

  // One sync at a time; a kick during a sync runs another right after it.
  const resyncMs = o.resyncMs ?? 30_000;
  const retry = o.retryMs ?? { min: 1_000, max: 30_000 };
  let retryDelay = retry.min;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pending = false;
  let running: Promise<void> | undefined;
  const loop = async () => {
    while (pending && !abort.signal.aborted) {
      pending = false;
      clearTimeout(retryTimer);
      const ok = await sync();
      if (abort.signal.aborted) return;
      if (ok) retryDelay = retry.min;
      else if (!pending) {
        retryTimer = setTimeout(kick, retryDelay);
        retryDelay = Math.min(retryDelay * 2, retry.max);
      }
    }
  };
  function kick() {
    if (abort.signal.aborted || !informer.hasSynced()) return;
    pending = true;
    running ??= loop().finally(() => {
      running = undefined;
      if (pending) kick(); // kicked while the loop was finishing
    });
  }

  const unsubscribe = informer.on({
    add: kick,
    update: (old, node) => { if (relevant(old) !== relevant(node)) kick(); },
    delete: kick,
  });
  void informer.waitForSync(abort.signal).then((synced) => { if (synced) kick(); });
  const resync = setInterval(kick, resyncMs);
  return async () => {
    abort.abort();
    unsubscribe();
    clearInterval(resync);
    clearTimeout(retryTimer);
    await running;
  };
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
