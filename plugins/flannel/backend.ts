/**
 * The two steps of programming a backend on one node, each idempotent and level-triggered:
 * `setupBackend` makes the node's own device right (vxlan: flannel.1; host-gw: none, and a
 * flannel.1 left from a vxlan run is deleted), `reconcileRoutes` makes its routes, neighbours and
 * FDB entries match the other nodes' leases, deleting whatever is stale.
 */
import type { Backend, Lease } from "./annotations.ts";
import type { CommandRunner } from "./command-runner.ts";
import { deleteVxlanDevice, ensureVxlanDevice, readActualState, type ExternalInterface } from "./host-network.ts";
import { desiredState, planCommands, subnetAddress, VXLAN_DEVICE } from "./routing-plan.ts";

export interface BackendSetup {
  /** The MTU pods get: flannel.1's for vxlan, the external interface's for host-gw. */
  readonly mtu: number;
  /** vxlan: flannel.1's MAC, to publish. */
  readonly vtepMAC?: string;
  readonly changes: readonly string[];
}

export async function setupBackend(run: CommandRunner, o: { backend: Backend; podCIDR: string; external: ExternalInterface; publishedMAC?: string }): Promise<BackendSetup> {
  if (o.backend === "vxlan") {
    const dev = await ensureVxlanDevice(run, { external: o.external, address: subnetAddress(o.podCIDR), mac: o.publishedMAC });
    return { mtu: dev.mtu, vtepMAC: dev.mac, changes: dev.changes };
  }
  const deleted = await deleteVxlanDevice(run);
  return { mtu: o.external.mtu, changes: deleted ? [`deleted ${VXLAN_DEVICE} (backend ${o.backend})`] : [] };
}

export interface RoutesResult {
  /** How many other nodes this node now forwards to. */
  readonly peers: number;
  /** The commands run (empty when nothing had to change). */
  readonly applied: readonly string[][];
}

/**
 * Programs the forwarding state for `leases` (every node's; this node's own is skipped). Every
 * needed command is tried; if some fail, it rejects afterwards with all their errors.
 */
export async function reconcileRoutes(run: CommandRunner, o: { backend: Backend; selfName: string; selfPodCIDR: string; external: ExternalInterface; leases: readonly Lease[] }): Promise<RoutesResult> {
  const desired = desiredState({ backend: o.backend, selfName: o.selfName, selfPodCIDR: o.selfPodCIDR, externalInterface: o.external.name, leases: o.leases });
  const hasVxlanDevice = o.backend === "vxlan";
  const actual = await readActualState(run, hasVxlanDevice);
  const commands = planCommands(desired, actual, hasVxlanDevice);
  const errors: string[] = [];
  for (const argv of commands) {
    const r = await run.run(argv);
    if (r.code !== 0) errors.push(`${argv.join(" ")}: ${r.stderr.trim() || `exit code ${r.code}`}`);
  }
  if (errors.length) throw new Error(errors.join("; "));
  return { peers: desired.routes.length, applied: commands };
}
