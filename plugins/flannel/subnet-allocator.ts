/**
 * Per-node pod subnets carved out of the cluster CIDR (upstream nodeipam's cidrset): subnets of
 * `maskSize` bits, handed out round-robin from the one after the last allocated, so a freed
 * subnet is reused only after the others (a departed node's routes have time to go).
 */
import { formatIpv4Cidr, overlaps, parseIpv4Cidr, size, type Ipv4Cidr } from "./ipv4-cidr.ts";

/** Upstream cidrset's error text. */
export const CIDR_EXHAUSTED = "CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range";

export interface SubnetAllocator {
  readonly clusterCIDR: string;
  readonly maskSize: number;
  /** How many node subnets the cluster CIDR holds. */
  readonly capacity: number;
  /** True when `cidr` lies inside the cluster CIDR. */
  contains(cidr: string): boolean;
  /** The next subnet overlapping none of `used`, or undefined when none is left. Does not reserve it. */
  next(used: Iterable<string>): string | undefined;
  /** Records that `cidr` was handed out: the search moves on past it. */
  commit(cidr: string): void;
}

/** Throws when the cluster CIDR is not IPv4 or is smaller than one node subnet. */
export function createSubnetAllocator(clusterCIDR: string, maskSize: number): SubnetAllocator {
  const cluster = parseIpv4Cidr(clusterCIDR);
  if (!cluster) throw new Error(`cluster CIDR ${JSON.stringify(clusterCIDR)} is not an IPv4 CIDR`);
  if (maskSize < cluster.prefix || maskSize > 32) {
    throw new Error(`node CIDR mask size /${maskSize} must be between the cluster CIDR's /${cluster.prefix} and /32`);
  }
  const capacity = size(cluster.prefix) / size(maskSize);
  const subnet = (i: number): Ipv4Cidr => ({ base: cluster.base + i * size(maskSize), prefix: maskSize });
  let nextCandidate = 0;
  return {
    clusterCIDR: formatIpv4Cidr(cluster),
    maskSize,
    capacity,
    contains(cidr) {
      const c = parseIpv4Cidr(cidr);
      return c !== undefined && c.prefix >= cluster.prefix && overlaps(c, cluster);
    },
    next(used) {
      const taken = new Set<number>();
      for (const text of used) {
        const c = parseIpv4Cidr(text);
        if (!c || !overlaps(c, cluster)) continue;
        // Every node subnet the used range touches is taken (a node may hold a larger or smaller range).
        const first = Math.max(0, Math.floor((c.base - cluster.base) / size(maskSize)));
        const last = Math.min(capacity - 1, Math.floor((c.base + size(c.prefix) - 1 - cluster.base) / size(maskSize)));
        for (let i = first; i <= last; i++) taken.add(i);
      }
      for (let n = 0; n < capacity; n++) {
        const i = (nextCandidate + n) % capacity;
        if (!taken.has(i)) return formatIpv4Cidr(subnet(i));
      }
      return undefined;
    },
    commit(cidr) {
      const c = parseIpv4Cidr(cidr);
      if (c && c.prefix === maskSize && overlaps(c, cluster)) nextCandidate = ((c.base - cluster.base) / size(maskSize) + 1) % capacity;
    },
  };
}
