import { readFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { resolve as resolvePath } from "node:path";
import type { ClusterSettings } from "@lite/sdk";
import { ConfigError } from "./config-error.ts";
import { DISABLE_ALIASES } from "./flags.ts";
import type { RawSettings } from "./resolve-settings.ts";
import { resolveKubeletTuning, type EvictionSettings, type ImageGcPolicy } from "./kubelet-config.ts";
import { parseByteSize, parsePortRange } from "./value-types.ts";
import { ensureNodeId } from "./node-id.ts";

/** Settings every lite process has. */
export interface CommonSettings {
  readonly configFile: string;
  readonly dataDir: string;
  /** The Node's name: `--node-name` (default the host name), with `-<node id>` appended under `--with-node-id`. */
  readonly nodeName: string;
  /** `--with-node-id`: the node name carries the id kept in `<data-dir>/agent/node-id`. */
  readonly withNodeId: boolean;
  readonly nodeIP?: string;
  readonly pluginPaths: readonly string[];
  readonly debug: boolean;
  /** `--disable-network-policy`: no NetworkPolicy enforcement on this node (its table is removed); a server's setting applies to its agents too. */
  readonly disableNetworkPolicy: boolean;
  readonly pluginConfig: Readonly<Record<string, unknown>>;
  /** `--node-label` key=value pairs, applied when the node registers. */
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** `--node-taint` taints, applied at first registration. */
  readonly nodeTaints: readonly { key: string; value?: string; effect: string }[];
  /** An existing CRI runtime to use instead of starting containerd (`--container-runtime-endpoint`). */
  readonly containerRuntimeEndpoint?: string;
  /** `--private-registry`: registries.yaml (mirrors, auth, TLS) for containerd. */
  readonly privateRegistry: string;
  /** The kubelet API's port (`--kubelet-arg=port=N`, default 10250; 0 = OS-assigned). */
  readonly kubeletPort: number;
  /** `--kubelet-arg=max-pods=N` (default 110). */
  readonly maxPods: number;
  /** `--flannel-iface`: the interface flannel sends pod traffic to other nodes over. */
  readonly flannelIface?: string;
  /** `--default-local-storage-path`: where the local-path provisioner puts volumes (default <data-dir>/storage). */
  readonly defaultLocalStoragePath: string;
  /** `--kubelet-arg=container-log-max-size=10Mi`: a container log is rotated past this many bytes. */
  readonly containerLogMaxSize: number;
  /** `--kubelet-arg=container-log-max-files=5`: log files kept per container, the current one included. */
  readonly containerLogMaxFiles: number;
  /** Node-pressure eviction (`--kubelet-arg` eviction-* keys and `config=FILE`; upstream defaults). */
  readonly eviction: EvictionSettings;
  /** Image garbage collection (`image-gc-high-threshold` and friends; default 85%/80%, 2m minimum age). */
  readonly imageGc: ImageGcPolicy;
  /** Fields of the `--kubelet-arg=config=FILE` KubeletConfiguration that lite ignores (logged at start). */
  readonly kubeletConfigIgnored: readonly string[];
  /** `--token` (or the contents of `--token-file`): the server's own secret, or the token an agent joins with. */
  readonly token?: string;
}

export interface ServerSettings extends CommonSettings {
  readonly httpsListenPort: number;
  readonly bindAddress: string;
  /**
   * The address pods and agents reach this API server on: the kubernetes Service's endpoint, and a
   * SAN of the serving certificate. Default (upstream's): the bind address unless it is unspecified,
   * else the node IP; undefined when neither is known.
   */
  readonly advertiseAddress?: string;
  /** Extra SANs for the API serving certificate. */
  readonly tlsSans: readonly string[];
  readonly writeKubeconfig: string;
  readonly writeKubeconfigMode: number;
  /** Embedded plugin ids to skip (aliases already mapped to ids). */
  readonly disable: ReadonlySet<string>;
  readonly disableAgent: boolean;
  readonly disableScheduler: boolean;
  /** `--disable-kube-proxy`: no service proxy on the embedded agent's node (its rules are removed). */
  readonly disableKubeProxy: boolean;
  readonly flannelBackend: string;
  readonly datastoreEndpoint: string;
  readonly cluster: ClusterSettings;
  /** Encrypt Secrets at rest (`--secrets-encryption`). */
  readonly secretsEncryption: boolean;
  /** Audit log file (`--audit-log-path`); undefined: no audit log. */
  readonly auditLogPath?: string;
  /** In-flight limits (0: unlimited). */
  readonly maxRequestsInflight: number;
  readonly maxMutatingRequestsInflight: number;
  /** `--enable-priority-and-fairness` (default true): APF instead of the two in-flight limits. */
  readonly enablePriorityAndFairness: boolean;
  /** `--agent-token`: a second secret that joins agents only. */
  readonly agentToken?: string;
}

export interface AgentSettings extends CommonSettings {
  /** `--server` / LITE_URL: the server's URL, e.g. https://10.0.0.1:6443. */
  readonly server?: string;
}

function common(raw: RawSettings): CommonSettings {
  const get = <T>(name: string) => raw.values.get(name) as T;
  const kubeletArgs = get<string[]>("kubelet-arg");
  const tuning = resolveKubeletTuning(kubeletArgs, kubeletArgSource(raw));
  const withNodeIdFlag = get<boolean>("with-node-id");
  return {
    configFile: get<string>("config"),
    dataDir: get<string>("data-dir"),
    nodeName: withNodeId(get<string | undefined>("node-name") ?? hostname().toLowerCase(), withNodeIdFlag, get<string>("data-dir")),
    withNodeId: withNodeIdFlag,
    nodeIP: get<string | undefined>("node-ip") ?? detectNodeIP(),
    pluginPaths: get<string[]>("plugin"),
    debug: get<boolean>("debug"),
    disableNetworkPolicy: get<boolean>("disable-network-policy"),
    pluginConfig: raw.pluginConfig,
    nodeLabels: Object.fromEntries(get<string[]>("node-label").map((l) => { const i = l.indexOf("="); return [l.slice(0, i), l.slice(i + 1)]; })),
    nodeTaints: get<string[]>("node-taint").map(parseTaint),
    containerRuntimeEndpoint: get<string | undefined>("container-runtime-endpoint"),
    privateRegistry: get<string>("private-registry"),
    kubeletPort: Number(kubeletArg(kubeletArgs, "port") ?? 10250),
    maxPods: Number(kubeletArg(kubeletArgs, "max-pods") ?? tuning.maxPods ?? 110),
    flannelIface: get<string | undefined>("flannel-iface"),
    defaultLocalStoragePath: resolvePath(get<string | undefined>("default-local-storage-path") ?? `${get<string>("data-dir")}/storage`),
    containerLogMaxSize: parseByteSize(kubeletArg(kubeletArgs, "container-log-max-size") ?? "") ?? tuning.containerLogMaxSize ?? parseByteSize("10Mi")!,
    containerLogMaxFiles: Number(kubeletArg(kubeletArgs, "container-log-max-files") ?? tuning.containerLogMaxFiles ?? 5),
    eviction: tuning.eviction,
    imageGc: tuning.imageGc,
    kubeletConfigIgnored: tuning.ignoredFields,
    token: get<string | undefined>("token") ?? readTokenFile(get<string | undefined>("token-file")),
  };
}

/** `--with-node-id` (K3s): `<name>-<id>`, the id created once and kept in `<data-dir>/agent/node-id`. */
function withNodeId(name: string, enabled: boolean, dataDir: string): string {
  if (!enabled) return name;
  const full = `${name}-${ensureNodeId(`${dataDir}/agent/node-id`)}`;
  if (full.length > 253) throw new ConfigError(`--with-node-id: the node name ${full} is longer than 253 characters`);
  return full;
}

/** `--token-file`: the token is the file's first line. */
function readTokenFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`--token-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const token = text.split("\n")[0]!.trim();
  if (!token) throw new ConfigError(`--token-file: ${file} is empty`);
  return token;
}

/** Where `--kubelet-arg` came from, for error messages: "--kubelet-arg", an environment variable or the config file. */
function kubeletArgSource(raw: RawSettings): string {
  const source = raw.sources.get("kubelet-arg");
  return !source || source.kind === "default" || source.kind === "flag" ? "--kubelet-arg" : `${source.label} (--kubelet-arg)`;
}

/** The last `key=value` of `--kubelet-arg` for `key` (later flags win, as with kubelet's own flags). */
function kubeletArg(args: readonly string[], key: string): string | undefined {
  const hit = args.filter((a) => a.startsWith(`${key}=`)).pop();
  return hit?.slice(key.length + 1);
}

/** "key=value:Effect" or "key:Effect" (already validated). */
function parseTaint(t: string): { key: string; value?: string; effect: string } {
  const colon = t.lastIndexOf(":");
  const kv = t.slice(0, colon);
  const effect = t.slice(colon + 1);
  const eq = kv.indexOf("=");
  return eq < 0 ? { key: kv, effect } : { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect };
}

export function toServerSettings(raw: RawSettings): ServerSettings {
  const get = <T>(name: string) => raw.values.get(name) as T;
  const base = common(raw);
  return {
    ...base,
    httpsListenPort: get<number>("https-listen-port"),
    bindAddress: get<string>("bind-address"),
    advertiseAddress: get<string | undefined>("advertise-address") ?? defaultAdvertiseAddress(get<string>("bind-address"), base.nodeIP),
    tlsSans: get<string[]>("tls-san"),
    writeKubeconfig: get<string>("write-kubeconfig"),
    writeKubeconfigMode: parseInt(get<string>("write-kubeconfig-mode"), 8),
    disable: new Set(get<string[]>("disable").map((name) => DISABLE_ALIASES[name] ?? name)),
    disableAgent: get<boolean>("disable-agent"),
    disableScheduler: get<boolean>("disable-scheduler"),
    disableKubeProxy: get<boolean>("disable-kube-proxy"),
    flannelBackend: get<string>("flannel-backend"),
    datastoreEndpoint: get<string | undefined>("datastore-endpoint") ?? "sqlite://",
    cluster: {
      clusterCIDR: get<string[]>("cluster-cidr").join(","),
      serviceCIDR: get<string[]>("service-cidr").join(","),
      clusterDNS: get<string>("cluster-dns"),
      clusterDomain: get<string>("cluster-domain"),
      serviceNodePortRange: parsePortRange(get<string>("service-node-port-range"))!,
    },
    secretsEncryption: get<boolean>("secrets-encryption"),
    auditLogPath: get<string | undefined>("audit-log-path"),
    maxRequestsInflight: get<number>("max-requests-inflight"),
    maxMutatingRequestsInflight: get<number>("max-mutating-requests-inflight"),
    enablePriorityAndFairness: get<boolean>("enable-priority-and-fairness"),
    agentToken: get<string | undefined>("agent-token"),
  };
}

export function toAgentSettings(raw: RawSettings): AgentSettings {
  return { ...common(raw), server: raw.values.get("server") as string | undefined };
}

/** The first non-internal IPv4 address, as a stand-in for "the default route's interface" until the kubelet issue. */
function detectNodeIP(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" && !a.internal) return a.address;
    }
  }
  return undefined;
}

function defaultAdvertiseAddress(bindAddress: string, nodeIP: string | undefined): string | undefined {
  return bindAddress === "0.0.0.0" || bindAddress === "::" ? nodeIP : bindAddress;
}
