/**
 * The node's heartbeat Lease, `kube-node-lease/<node>` (upstream pkg/kubelet/nodelease via
 * component-helpers' lease controller): holderIdentity the node, leaseDurationSeconds 40, renewed
 * every quarter of the duration, owned by the Node (so it goes when the Node does).
 */
import { builtinResources, isAlreadyExists, isConflict, isNotFound, type ApiClient, type KubeObject } from "@lite/sdk";
import { formatMicroTime } from "../../../kube-time.ts";

export const LEASE_NAMESPACE = "kube-node-lease";
export const LEASE_DURATION_SECONDS = 40;
/** Upstream renewIntervalFraction 0.25 of the duration. */
export const LEASE_RENEW_INTERVAL_MS = (LEASE_DURATION_SECONDS * 1000) / 4;

export interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; [field: string]: unknown };
}

export interface NodeLease {
  /** Creates or renews the Lease now; rejects on API errors (the next call re-reads it). */
  renew(nowMs: number, signal?: AbortSignal): Promise<Lease>;
}

const LEASES = { ...builtinResources.leases, namespace: LEASE_NAMESPACE };

/** `nodeUid` returns the Node's uid when known: the Lease gets its ownerReference as soon as it is. */
export function createNodeLease(client: ApiClient, nodeName: string, nodeUid: () => string | undefined): NodeLease {
  let latest: Lease | undefined;

  const desired = (base: Lease | undefined, now: number): Lease => {
    const lease: Lease = base ? structuredClone(base) : { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: nodeName, namespace: LEASE_NAMESPACE } };
    lease.spec = { ...(lease.spec ?? {}), holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: formatMicroTime(now) };
    const uid = nodeUid();
    if (uid && !lease.metadata.ownerReferences?.length) {
      lease.metadata.ownerReferences = [{ apiVersion: "v1", kind: "Node", name: nodeName, uid }];
    }
    return lease;
  };

  return {
    async renew(now, signal) {
      try {
        if (!latest) {
          try {
            latest = await client.create<Lease>(LEASES, desired(undefined, now), { signal });
            return latest;
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
            latest = await client.get<Lease>({ ...LEASES, name: nodeName }, { signal });
          }
        }
        latest = await client.update<Lease>(LEASES, desired(latest, now), { signal });
        return latest;
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) latest = undefined; // re-read (or re-create) next time
        throw err;
      }
    },
  };
}
