import { enumType, KUBELET_ARG_KEYS, listOf, types, type ValueType } from "./value-types.ts";

export type Command = "server" | "agent";

/**
 * One flag of `lite server` / `lite agent`. The same name (without `--`) is the config-file key;
 * `env` lists the environment variables that set it. `later` names the issue that will implement a
 * flag that parses today but does nothing yet: setting it is refused with "not implemented yet".
 */
export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: ValueType;
  readonly default?: string | number | boolean | readonly string[];
  /** Shown in --help instead of `default` when the default is computed. */
  readonly defaultText?: string;
  readonly env: readonly string[];
  readonly usage: string;
  readonly commands: readonly Command[];
  readonly later?: string;
  /** The commands `later` applies to (default: all of the flag's commands). */
  readonly laterFor?: readonly Command[];
}

/** Whether `flag` is parsed but refused ("not implemented yet") for `command`. */
export function isLater(flag: FlagSpec, command: Command): boolean {
  return !!flag.later && (!flag.laterFor || flag.laterFor.includes(command));
}

/** The embedded plugins' ids (and the K3s names accepted for them) that `--disable` takes. */
export const DISABLE_NAMES = ["traefik", "servicelb", "coredns", "flannel", "local-storage", "metrics"] as const;
/** K3s spells the metrics plugin "metrics-server"; accept that too. */
export const DISABLE_ALIASES: Readonly<Record<string, (typeof DISABLE_NAMES)[number]>> = { "metrics-server": "metrics" };

export const FLANNEL_BACKENDS = ["vxlan", "host-gw", "none"] as const;

const both: Command[] = ["server", "agent"];
const server: Command[] = ["server"];
const agent: Command[] = ["agent"];
const env = (...names: string[]) => names;

export const FLAGS: readonly FlagSpec[] = [
  { name: "config", short: "c", type: types.path, default: "/etc/lite/config.yaml", env: env("LITE_CONFIG_FILE"), commands: both,
    usage: "Load configuration from this YAML file (keys are flag names)" },
  { name: "data-dir", short: "d", type: types.path, default: "/var/lib/lite", env: env("LITE_DATA_DIR"), commands: both,
    usage: "Folder to hold state" },
  { name: "node-name", type: types.dnsName, defaultText: "hostname, lower-cased", env: env("LITE_NODE_NAME"), commands: both,
    usage: "Node name" },
  { name: "with-node-id", type: types.bool, default: false, env: env(), commands: both,
    usage: "Append id to node name (<node-name>-<8 hex digits>, the id kept in <data-dir>/agent/node-id)" },
  { name: "node-ip", short: "i", type: types.ip, defaultText: "address of the default route's interface", env: env("LITE_NODE_IP"), commands: both,
    usage: "IP address to advertise for the node" },
  { name: "node-label", type: types.labels, default: [], env: env("LITE_NODE_LABEL"), commands: both,
    usage: "Registering the node with these labels (key=value, repeatable)" },
  { name: "node-taint", type: types.taints, default: [], env: env("LITE_NODE_TAINT"), commands: both,
    usage: "Registering the node with these taints (key=value:Effect, repeatable)" },
  { name: "token", short: "t", type: types.string, env: env("LITE_TOKEN"), commands: both,
    usage: "Shared secret used to join a server or agent to a cluster" },
  { name: "token-file", type: types.path, env: env("LITE_TOKEN_FILE"), commands: both,
    usage: "File containing the token" },
  { name: "server", short: "s", type: types.httpsURL, env: env("LITE_URL"), commands: both, later: "high-availability servers (a server joining another; not scheduled yet)", laterFor: server,
    usage: "Server to connect to" },
  { name: "container-runtime-endpoint", type: types.string, env: env("LITE_CONTAINER_RUNTIME_ENDPOINT"), commands: both,
    usage: "Use an existing CRI runtime at this socket instead of the supervised containerd" },
  { name: "private-registry", type: types.path, default: "/etc/lite/registries.yaml", env: env("LITE_PRIVATE_REGISTRY"), commands: both,
    usage: "Private registry configuration file (K3s registries.yaml format; a missing file configures nothing)" },
  { name: "kubelet-arg", type: types.kubeletArgs, default: [], env: env("LITE_KUBELET_ARG"), commands: both,
    usage: `Customized flag for the kubelet (key=value, repeatable); supported: ${KUBELET_ARG_KEYS.join(", ")}` },
  { name: "flannel-iface", type: types.string, env: env("LITE_FLANNEL_IFACE"), commands: both,
    usage: "Override the default flannel interface (a name, or one of its IPv4 addresses; default: the node IP's)" },
  { name: "default-local-storage-path", type: types.path, defaultText: "<data-dir>/storage", env: env("LITE_DEFAULT_LOCAL_STORAGE_PATH"), commands: both,
    usage: "Default local storage path for the local-path provisioner's volumes (StorageClass local-path)" },
  { name: "plugin", type: types.paths, default: [], env: env("LITE_PLUGIN"), commands: both,
    usage: "Load a third-party plugin from this .ts or .js file (repeatable)" },
  { name: "disable-network-policy", type: types.bool, default: false, env: env("LITE_DISABLE_NETWORK_POLICY"), commands: both,
    usage: "Do not enforce NetworkPolicies (and remove their nftables rules from this node); on a server, for every node that joins it" },
  { name: "debug", type: types.bool, default: false, env: env("LITE_DEBUG"), commands: both,
    usage: "Turn on debug logs" },
  // server only
  { name: "https-listen-port", type: types.portOrZero, default: 6443, env: env("LITE_HTTPS_LISTEN_PORT"), commands: server,
    usage: "HTTPS listen port" },
  { name: "bind-address", type: types.ip, default: "0.0.0.0", env: env("LITE_BIND_ADDRESS"), commands: server,
    usage: "Address the API server listens on" },
  { name: "advertise-address", type: types.ip, defaultText: "bind-address, or node-ip when binding all addresses", env: env("LITE_ADVERTISE_ADDRESS"), commands: server,
    usage: "IP address the API server advertises to members of the cluster (the kubernetes Service's endpoint; added to the serving certificate)" },
  { name: "tls-san", type: types.sans, default: [], env: env("LITE_TLS_SAN"), commands: server,
    usage: "Add additional host names or IPv4/IPv6 addresses as Subject Alternative Names on the server TLS cert (repeatable)" },
  { name: "write-kubeconfig", short: "o", type: types.path, default: "/etc/lite/lite.yaml", env: env("LITE_KUBECONFIG_OUTPUT"), commands: server,
    usage: "Write the admin kubeconfig to this file" },
  { name: "write-kubeconfig-mode", type: types.fileMode, default: "0600", env: env("LITE_KUBECONFIG_MODE"), commands: server,
    usage: "Write the admin kubeconfig with this mode" },
  { name: "agent-token", type: types.string, env: env("LITE_AGENT_TOKEN"), commands: server,
    usage: "Shared secret used to join agents (but not servers) to the cluster" },
  { name: "disable", type: listOf(enumType([...DISABLE_NAMES, ...Object.keys(DISABLE_ALIASES)]), `plugin names from: ${DISABLE_NAMES.join(", ")}`), default: [], env: env("LITE_DISABLE"), commands: server,
    usage: `Do not start these embedded plugins (repeatable or comma-separated): ${DISABLE_NAMES.join(", ")}` },
  { name: "disable-agent", type: types.bool, default: false, env: env("LITE_DISABLE_AGENT"), commands: server,
    usage: "Do not run the embedded agent (no node halves of plugins in this process)" },
  { name: "disable-scheduler", type: types.bool, default: false, env: env("LITE_DISABLE_SCHEDULER"), commands: server,
    usage: "Do not run the scheduler (pods stay Pending for an external scheduler)" },
  { name: "disable-kube-proxy", type: types.bool, default: false, env: env("LITE_DISABLE_KUBE_PROXY"), commands: server,
    usage: "Do not run the service proxy (and remove its nftables rules from this node)" },
  { name: "flannel-backend", type: enumType(FLANNEL_BACKENDS), default: "vxlan", env: env("LITE_FLANNEL_BACKEND"), commands: server,
    usage: `Pod network backend: ${FLANNEL_BACKENDS.join(", ")}` },
  { name: "cluster-cidr", type: types.cidrList, default: ["10.42.0.0/16"], env: env("LITE_CLUSTER_CIDR"), commands: server,
    usage: "IPv4/IPv6 network CIDRs to use for pod IPs" },
  { name: "service-cidr", type: types.cidrList, default: ["10.43.0.0/16"], env: env("LITE_SERVICE_CIDR"), commands: server,
    usage: "IPv4/IPv6 network CIDRs to use for service IPs" },
  { name: "cluster-dns", type: types.ip, default: "10.43.0.10", env: env("LITE_CLUSTER_DNS"), commands: server,
    usage: "Cluster IP for the DNS service (must be in service-cidr)" },
  { name: "cluster-domain", type: types.dnsName, default: "cluster.local", env: env("LITE_CLUSTER_DOMAIN"), commands: server,
    usage: "Cluster domain" },
  { name: "service-node-port-range", type: types.portRange, default: "30000-32767", env: env("LITE_SERVICE_NODE_PORT_RANGE"), commands: server,
    usage: "Port range to reserve for services with NodePort visibility" },
  { name: "datastore-endpoint", type: types.datastore, defaultText: "sqlite://<data-dir>/server/db/state.db", env: env("LITE_DATASTORE_ENDPOINT"), commands: server,
    usage: "Datastore URL: sqlite://[path] (default), memory://, postgres://" },
  { name: "secrets-encryption", type: types.bool, default: false, env: env("LITE_SECRETS_ENCRYPTION"), commands: server,
    usage: "Encrypt Secrets at rest in the datastore (XSalsa20-Poly1305; keys in <data-dir>/server/cred/encryption-config.json)" },
  { name: "audit-log-path", type: types.path, env: env("LITE_AUDIT_LOG_PATH"), commands: server,
    usage: "Write one JSON audit event (audit.k8s.io/v1, Metadata level) per API request to this file; off when unset" },
  { name: "max-requests-inflight", type: types.count, default: 400, env: env("LITE_MAX_REQUESTS_INFLIGHT"), commands: server,
    usage: "Read-only API requests served at once; more get 429 (0: no limit; watches and other long-running requests are not counted). With priority and fairness: added to max-mutating-requests-inflight, the seats the priority levels share" },
  { name: "max-mutating-requests-inflight", type: types.count, default: 200, env: env("LITE_MAX_MUTATING_REQUESTS_INFLIGHT"), commands: server,
    usage: "Mutating API requests served at once; more get 429 (0: no limit)" },
  { name: "enable-priority-and-fairness", type: types.bool, default: true, env: env("LITE_ENABLE_PRIORITY_AND_FAIRNESS"), commands: server,
    usage: "Classify and queue API requests by FlowSchemas and PriorityLevelConfigurations, sharing max-requests-inflight + max-mutating-requests-inflight seats; false: the two in-flight limits apply instead" },
];

export function flagsFor(command: Command): FlagSpec[] {
  return FLAGS.filter((f) => f.commands.includes(command));
}

/** Config-file keys that are not flags: per-plugin configuration, keyed by plugin id. */
export const CONFIG_ONLY_KEYS = ["plugin-config"] as const;
