/** Cluster-wide settings every server and node agrees on (from the server's flags and config). */
export interface ClusterSettings {
  /** Pod network, e.g. "10.42.0.0/16". */
  readonly clusterCIDR: string;
  /** Service network, e.g. "10.43.0.0/16". */
  readonly serviceCIDR: string;
  /** ClusterIP of the cluster DNS Service, e.g. "10.43.0.10". */
  readonly clusterDNS: string;
  /** DNS domain, e.g. "cluster.local". */
  readonly clusterDomain: string;
  /** NodePort range, inclusive. */
  readonly serviceNodePortRange: { readonly min: number; readonly max: number };
}

/** Facts about the node an agent-side half runs on. */
export interface NodeSettings {
  readonly nodeName: string;
  /** The node's primary IP, if known. */
  readonly nodeIP?: string;
  /**
   * The CNI configuration directory the node's container runtime reads (`<data-dir>/agent/etc/cni/net.d`).
   * The pod-network plugin writes its conflist here; the runtime reports NetworkReady once one is present.
   */
  readonly cniConfDir: string;
}
