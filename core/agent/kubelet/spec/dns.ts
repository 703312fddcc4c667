/**
 * The pod's resolv.conf as CRI DNSConfig (upstream kubelet network/dns GetPodDNS):
 * - ClusterFirst (and ClusterFirstWithHostNet): the cluster DNS servers only, searches
 *   `<ns>.svc.<domain> svc.<domain> <domain>` then the host's searches (duplicates dropped),
 *   options `ndots:5`. Without a cluster DNS IP it falls back to Default.
 * - ClusterFirst on a hostNetwork pod is Default.
 * - Default: the host's resolv.conf (nameservers, last search line, options).
 * - None: empty.
 * Then spec.dnsConfig is appended (nameservers, searches deduplicated; options merged by name,
 * the pod's winning), and limits applied: 3 nameservers, 32 search domains, none over 253
 * characters, a search line of at most 2048 characters. Cuts are reported as DNSConfigForming
 * warnings with upstream's text.
 */
import type { DnsConfig } from "../../cri/types.ts";
import type { SpecWarning } from "./errors.ts";
import { formatPod, type Pod } from "./types.ts";

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const MAX_DOMAIN_LENGTH = 253;
const DEFAULT_OPTIONS = ["ndots:5"];

export interface ClusterDns {
  /** The cluster DNS Service IP(s); empty when the kubelet has none. */
  clusterDNS: string | readonly string[];
  clusterDomain: string;
}

export interface ResolvConf { servers: string[]; searches: string[]; options: string[] }

/** Option names are unique; a later `name[:value]` replaces an earlier one in place. */
function setOptions(options: string[], added: readonly string[]): string[] {
  const byName = new Map(options.map((o) => [o.split(":")[0]!, o]));
  for (const o of added) byName.set(o.split(":")[0]!, o);
  return [...byName.values()];
}

/**
 * Parses resolv.conf text (upstream parseResolvConf): nameservers accumulate, the last `search`
 * line wins (trailing dots dropped, "." ignored), options accumulate by name. Throws on a
 * `nameserver` line without an address.
 */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { servers: [], searches: [], options: [] };
  const errors: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) continue;
    const fields = line.split(/\s+/).filter(Boolean);
    if (fields[0] === "nameserver") {
      if (fields[1] !== undefined) conf.servers.push(fields[1]);
      else errors.push("nameserver list is empty ");
    } else if (fields[0] === "search") {
      conf.searches = fields.slice(1).filter((s) => s !== ".").map((s) => s.replace(/\.$/, ""));
    } else if (fields[0] === "options") {
      conf.options = setOptions(conf.options, fields.slice(1));
    }
  }
  if (errors.length) throw new Error(`Encountered error while parsing resolv conf file. Error: ${errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`}`);
  return conf;
}

const unique = (xs: readonly string[]) => [...new Set(xs)];

function fitSearches(searches: string[], warnings?: SpecWarning[]): string[] {
  let exceeded = false;
  let out = searches;
  if (out.length > MAX_DNS_SEARCH_PATHS) {
    out = out.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const short = out.filter((s) => s.length <= MAX_DOMAIN_LENGTH);
  if (short.length !== out.length) exceeded = true;
  out = short;
  const lineLength = out.join(" ").length;
  if (lineLength > MAX_DNS_SEARCH_LIST_CHARS) {
    let cut = 0;
    let cutLength = 0;
    for (let i = out.length - 1; i >= 0; i--) {
      cutLength += out[i]!.length + 1;
      cut++;
      if (lineLength - cutLength <= MAX_DNS_SEARCH_LIST_CHARS) break;
    }
    out = out.slice(0, out.length - cut);
    exceeded = true;
  }
  if (exceeded) {
    warnings?.push({ reason: "DNSConfigForming", message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${out.join(" ")}` });
  }
  return out;
}

function fitServers(servers: string[], warnings?: SpecWarning[]): string[] {
  if (servers.length <= MAX_DNS_NAMESERVERS) return servers;
  const out = servers.slice(0, MAX_DNS_NAMESERVERS);
  warnings?.push({ reason: "DNSConfigForming", message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${out.join(" ")}` });
  return out;
}

/**
 * The pod's DNSConfig. `hostResolvConf` is the text of the node's resolv.conf, or null when the
 * kubelet has none (`--resolv-conf=""`: Default then means nameserver 127.0.0.1, search ".").
 * Warnings (DNSConfigForming, MissingClusterDNS) are appended to `warnings`.
 */
export function podDnsConfig(pod: Pod, cluster: ClusterDns, hostResolvConf: string | null, warnings?: SpecWarning[]): DnsConfig {
  const host = hostResolvConf === null ? { servers: [], searches: [], options: [] } : parseResolvConf(hostResolvConf);
  const clusterDNS = (typeof cluster.clusterDNS === "string" ? [cluster.clusterDNS] : [...cluster.clusterDNS]).filter(Boolean);
  const policy = pod.spec.dnsPolicy ?? "ClusterFirst";
  let kind: "none" | "cluster" | "host" =
    policy === "None" ? "none" : policy === "Default" || (policy === "ClusterFirst" && pod.spec.hostNetwork) ? "host" : "cluster";

  let conf: ResolvConf = host;
  if (kind === "none") conf = { servers: [], searches: [], options: [] };
  if (kind === "cluster") {
    if (clusterDNS.length > 0) {
      const d = cluster.clusterDomain;
      const searches = d ? unique([`${pod.metadata.namespace ?? ""}.svc.${d}`, `svc.${d}`, d, ...host.searches]) : host.searches;
      conf = { servers: clusterDNS, searches, options: [...DEFAULT_OPTIONS] };
    } else {
      warnings?.push({
        reason: "MissingClusterDNS",
        message: `pod: "${formatPod(pod)}". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
      });
      kind = "host";
    }
  }
  if (kind === "host" && hostResolvConf === null) conf = { servers: ["127.0.0.1"], searches: ["."], options: [] };

  const extra = pod.spec.dnsConfig;
  if (extra) {
    conf = {
      servers: unique([...conf.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...conf.searches, ...(extra.searches ?? [])]),
      options: setOptions(conf.options, (extra.options ?? []).map((o) => (o.value ? `${o.name}:${o.value}` : o.name))),
    };
  }
  return { servers: fitServers(conf.servers, warnings), searches: fitSearches(conf.searches, warnings), options: conf.options };
}
