/**
 * What a node tells the others about itself, on its own Node object, in upstream flannel's kube
 * subnet manager annotations (so tools that read them, and mixed clusters, see the same thing):
 *
 *   flannel.alpha.coreos.com/backend-type        "vxlan" | "host-gw"
 *   flannel.alpha.coreos.com/backend-data        vxlan: {"VNI":1,"VtepMAC":"aa:bb:…"}; host-gw: null
 *   flannel.alpha.coreos.com/public-ip           the address other nodes send this node's pod traffic to
 *   flannel.alpha.coreos.com/kube-subnet-manager "true"
 *
 * The pod subnet itself is the Node's spec.podCIDR. A Node without kube-subnet-manager "true"
 * (or without a pod CIDR or public IP) is not part of the flannel network yet and gets no routes.
 */
import type { KubeObject } from "@lite/sdk";
import { parseIpv4Cidr } from "./ipv4-cidr.ts";

export const ANNOTATION_PREFIX = "flannel.alpha.coreos.com/";
export const BACKEND_TYPE = `${ANNOTATION_PREFIX}backend-type`;
export const BACKEND_DATA = `${ANNOTATION_PREFIX}backend-data`;
export const PUBLIC_IP = `${ANNOTATION_PREFIX}public-ip`;
export const KUBE_SUBNET_MANAGER = `${ANNOTATION_PREFIX}kube-subnet-manager`;

export type Backend = "vxlan" | "host-gw";

export interface FlannelNode extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[]; [field: string]: unknown };
}

/** A node's share of the pod network, as the others see it (upstream: its lease). */
export interface Lease {
  readonly nodeName: string;
  /** Its pod subnet, e.g. 10.42.1.0/24. */
  readonly podCIDR: string;
  readonly backendType: string;
  readonly publicIP: string;
  /** vxlan only: the MAC of its flannel.1 device. */
  readonly vtepMAC?: string;
  /** vxlan only. */
  readonly vni?: number;
}

/** The annotations this node publishes. */
export function nodeAnnotations(o: { backend: Backend; publicIP: string; vtepMAC?: string; vni?: number }): Record<string, string> {
  const data = o.backend === "vxlan" ? JSON.stringify({ VNI: o.vni ?? 1, VtepMAC: o.vtepMAC }) : "null";
  return { [BACKEND_DATA]: data, [BACKEND_TYPE]: o.backend, [KUBE_SUBNET_MANAGER]: "true", [PUBLIC_IP]: o.publicIP };
}

/** The annotations of `wanted` that the node does not carry yet (or carries with another value): what to patch. */
export function annotationsToPatch(node: FlannelNode, wanted: Record<string, string>): Record<string, string> | undefined {
  const have = node.metadata.annotations ?? {};
  const patch = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => have[k] !== v));
  return Object.keys(patch).length ? patch : undefined;
}

/** The IPv4 pod CIDR of a Node, if it has one. */
export function podCIDROf(node: FlannelNode): string | undefined {
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return cidrs.find((c) => parseIpv4Cidr(c) !== undefined);
}

/** The VtepMAC this node published before (so a recreated flannel.1 keeps the MAC the other nodes know, as upstream does). */
export function publishedVtepMAC(node: FlannelNode | undefined): string | undefined {
  const data = node?.metadata.annotations?.[BACKEND_DATA];
  if (!data) return undefined;
  try {
    const mac = (JSON.parse(data) as { VtepMAC?: unknown } | null)?.VtepMAC;
    return typeof mac === "string" && MAC.test(mac) ? mac.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

/**
 * The lease a Node announces, or undefined when it is not (yet) a flannel node: no
 * kube-subnet-manager "true", no IPv4 pod CIDR, no valid public IP, or (vxlan) no valid VtepMAC.
 */
export function leaseOf(node: FlannelNode): Lease | undefined {
  const a = node.metadata.annotations ?? {};
  if (a[KUBE_SUBNET_MANAGER] !== "true") return undefined;
  const podCIDR = podCIDROf(node);
  const publicIP = a[PUBLIC_IP];
  const backendType = a[BACKEND_TYPE];
  if (!podCIDR || !publicIP || !isIpv4(publicIP) || !backendType || !node.metadata.name) return undefined;
  const base = { nodeName: node.metadata.name, podCIDR, backendType, publicIP };
  if (backendType !== "vxlan") return base;
  let data: { VNI?: unknown; VtepMAC?: unknown } | null;
  try {
    data = JSON.parse(a[BACKEND_DATA] ?? "null");
  } catch {
    return undefined;
  }
  const mac = data?.VtepMAC;
  if (typeof mac !== "string" || !MAC.test(mac)) return undefined;
  return { ...base, vtepMAC: mac.toLowerCase(), vni: typeof data?.VNI === "number" ? data.VNI : 1 };
}
