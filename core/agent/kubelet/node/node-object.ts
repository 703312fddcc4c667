/**
 * The Node object the kubelet registers (upstream kubelet initialNode + K3s' node labels), and
 * how a re-registering kubelet reconciles an existing Node: it rewrites the labels it owns and
 * keeps everything else (labels users added, taints, spec).
 */
import type { Node, Taint } from "./types.ts";

export interface NodeIdentity {
  nodeName: string;
  hostname: string;
  role: "server" | "agent";
  /** GOOS / GOARCH spelling. */
  operatingSystem: string;
  architecture: string;
  /** --node-label values. */
  labels: Readonly<Record<string, string>>;
  /** --node-taint values: applied only when the Node is created. */
  taints: readonly Taint[];
}

/** K3s reports its own name here ("k3s"); lite reports "lite". */
export const INSTANCE_TYPE = "lite";

/** Upstream volumeutil.ControllerManagedAttachAnnotation (the attach/detach controller owns attachments). */
export const CONTROLLER_MANAGED_ATTACH = "volumes.kubernetes.io/controller-managed-attach-detach";

/** The labels this kubelet sets: upstream defaults, the instance type, server roles (as K3s), then --node-label. */
export function ownedLabels(id: NodeIdentity): Record<string, string> {
  return {
    "kubernetes.io/hostname": id.hostname,
    "kubernetes.io/os": id.operatingSystem,
    "kubernetes.io/arch": id.architecture,
    "beta.kubernetes.io/os": id.operatingSystem,
    "beta.kubernetes.io/arch": id.architecture,
    "node.kubernetes.io/instance-type": INSTANCE_TYPE,
    "beta.kubernetes.io/instance-type": INSTANCE_TYPE,
    ...(id.role === "server" ? { "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true" } : {}),
    ...id.labels,
  };
}

/** The Node to create (status is filled in by the caller). */
export function initialNode(id: NodeIdentity): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: id.nodeName,
      labels: ownedLabels(id),
      annotations: { [CONTROLLER_MANAGED_ATTACH]: "true" },
    },
    spec: id.taints.length ? { taints: id.taints.map((t) => ({ ...t })) } : {},
  };
}

/**
 * The metadata merge patch that brings an existing Node's owned labels (and the attach/detach
 * annotation) up to date, or undefined when nothing differs. Other labels are left alone.
 */
export function existingNodePatch(existing: Node, id: NodeIdentity): { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(ownedLabels(id))) if (existing.metadata.labels?.[k] !== v) labels[k] = v;
  const annotations: Record<string, string> = {};
  if (existing.metadata.annotations?.[CONTROLLER_MANAGED_ATTACH] !== "true") annotations[CONTROLLER_MANAGED_ATTACH] = "true";
  if (!Object.keys(labels).length && !Object.keys(annotations).length) return undefined;
  return { metadata: { ...(Object.keys(labels).length ? { labels } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) } };
}
