/**
 * Where the node agent keeps its state, all under `DATA_DIR/agent/` (K3s: /var/lib/rancher/k3s/agent).
 * One function per concept so that every component (containerd supervisor, kubelet, killall,
 * plugins' node halves through the SDK) agrees on the layout.
 */
export interface AgentPaths {
  readonly root: string;
  /** containerd's generated config: `etc/containerd/config.toml`. */
  readonly containerdConfig: string;
  /** containerd `root` (content store, snapshots). */
  readonly containerdRoot: string;
  /** containerd `state` (shim sockets, runtime state). */
  readonly containerdState: string;
  /** containerd's gRPC socket (CRI and the containerd API). */
  readonly containerdSocket: string;
  /** containerd's own log file (stdout/stderr of the child). */
  readonly containerdLog: string;
  /** CNI configuration directory read by containerd's CRI plugin (written by the pod-network plugin). */
  readonly cniConfDir: string;
  /** Air-gap images: every *.tar / *.tar.gz here is imported at start. */
  readonly imagesDir: string;
  /** Built-in OCI layouts (busybox, pause) written at start. */
  readonly builtinImagesDir: string;
  /** Per-pod state: `pods/<uid>/volumes/<plugin>/<name>`, `pods/<uid>/etc-hosts`, … */
  readonly podsDir: string;
  /** Container logs: `logs/pods/<namespace>_<name>_<uid>/<container>/<restart>.log` (upstream /var/log/pods). */
  readonly podLogsDir: string;
  /** The kubelet's serving certificate and key, and its client credentials. */
  readonly kubeletTlsDir: string;
}

export function agentPaths(dataDir: string): AgentPaths {
  const root = `${dataDir}/agent`;
  return {
    root,
    containerdConfig: `${root}/etc/containerd/config.toml`,
    containerdRoot: `${root}/containerd`,
    containerdState: `${root}/run/containerd`,
    containerdSocket: `${root}/run/containerd/containerd.sock`,
    containerdLog: `${root}/containerd/containerd.log`,
    cniConfDir: `${root}/etc/cni/net.d`,
    imagesDir: `${root}/images`,
    builtinImagesDir: `${root}/builtin-images`,
    podsDir: `${root}/pods`,
    podLogsDir: `${root}/logs/pods`,
    kubeletTlsDir: `${root}/tls`,
  };
}

/** The pod's log directory (CRI PodSandboxConfig.log_directory). */
export function podLogDirectory(paths: AgentPaths, namespace: string, name: string, uid: string): string {
  return `${paths.podLogsDir}/${namespace}_${name}_${uid}`;
}
