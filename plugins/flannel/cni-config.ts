/**
 * The CNI network configuration the node half writes: what flannel's CNI plugin hands its bridge
 * delegate (K3s' default conflist: hairpinMode, forceAddress, isDefaultGateway; ipMasq off because
 * flannel masquerades itself; the backend's MTU, as flannel's subnet.env hands it over), then
 * portmap (hostPort) and bandwidth (traffic shaping annotations). The conflist is written whole,
 * with a temporary file and a rename, so the runtime never loads half of it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export const CONFLIST_NAME = "10-flannel.conflist";
/** The network name K3s' flannel uses. */
export const NETWORK_NAME = "cbr0";

export interface ConflistInput {
  /** This node's pod subnet (spec.podCIDR). */
  podCIDR: string;
  /** The whole pod network. */
  clusterCIDR: string;
  /** Linux bridge name. */
  bridge: string;
  /** host-local's state directory (default /var/lib/cni/networks). */
  ipamDataDir?: string;
  /** The pods' MTU (flannel's FLANNEL_MTU: the backend's, e.g. the interface's minus 50 for vxlan); absent: the bridge plugin's default. */
  mtu?: number;
}

export function flannelConflist(i: ConflistInput): Record<string, unknown> {
  return {
    name: NETWORK_NAME,
    cniVersion: "1.0.0",
    plugins: [
      {
        type: "bridge",
        bridge: i.bridge,
        ...(i.mtu ? { mtu: i.mtu } : {}),
        isGateway: true,
        isDefaultGateway: true,
        ipMasq: false,
        hairpinMode: true,
        forceAddress: true,
        ipam: {
          type: "host-local",
          ...(i.ipamDataDir ? { dataDir: i.ipamDataDir } : {}),
          ranges: [[{ subnet: i.podCIDR }]],
          routes: [{ dst: i.clusterCIDR }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
      { type: "bandwidth", capabilities: { bandwidth: true } },
    ],
  };
}

/**
 * Writes `content` to `dir/name` through a temporary file and a rename (runtimes read only
 * *.conf, *.conflist and *.json, so the temporary is never loaded). Returns false, writing nothing,
 * when the file already holds exactly this content.
 */
export function writeFileAtomically(dir: string, name: string, content: string): boolean {
  const path = `${dir}/${name}`;
  try {
    if (readFileSync(path, "utf8") === content) return false;
  } catch { /* absent: write it */ }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const temp = `${dir}/.${name}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  renameSync(temp, path);
  return true;
}
