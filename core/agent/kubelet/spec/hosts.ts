/**
 * The pod's /etc/hosts (upstream kubelet makeHostsMount / ensureHostsFile): a managed file with
 * localhost entries, one line per pod IP naming the pod (FQDN first when it has a subdomain), and
 * hostAliases; a hostNetwork pod gets the node's /etc/hosts under its own header, plus hostAliases.
 * The file lives at `<podDir>/etc-hosts` and is bind-mounted at /etc/hosts in every container.
 */
import { readFileSync, writeFileSync, chmodSync } from "node:fs";
import { podHostnameAndDomain } from "./hostname.ts";
import type { Container, HostAlias, Pod } from "./types.ts";

export const ETC_HOSTS = "/etc/hosts";

function aliasLines(aliases: readonly HostAlias[] | undefined): string {
  if (!aliases?.length) return "";
  return `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join("\t")}\n`).join("")}`;
}

/** The managed file's text for a pod on the pod network. */
export function managedHostsFile(pod: Pod, podIPs: readonly string[], clusterDomain: string): string {
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  let text = "# Kubernetes-managed hosts file.\n"
    + "127.0.0.1\tlocalhost\n"
    + "::1\tlocalhost ip6-localhost ip6-loopback\n"
    + "fe00::0\tip6-localnet\n"
    + "fe00::0\tip6-mcastprefix\n"
    + "fe00::1\tip6-allnodes\n"
    + "fe00::2\tip6-allrouters\n";
  for (const ip of podIPs) text += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return text + aliasLines(pod.spec.hostAliases);
}

/** The file's text for a hostNetwork pod, from the node's hosts file text. */
export function hostNetworkHostsFile(pod: Pod, nodeHosts: string): string {
  return `# Kubernetes-managed hosts file (host network).\n${nodeHosts}${aliasLines(pod.spec.hostAliases)}`;
}

/** The text for this pod: managed, or the node's file (read from `nodeHostsPath`) for hostNetwork. */
export function hostsFileContent(pod: Pod, podIPs: readonly string[], clusterDomain: string, nodeHostsPath = ETC_HOSTS): string {
  return pod.spec.hostNetwork ? hostNetworkHostsFile(pod, readFileSync(nodeHostsPath, "utf8")) : managedHostsFile(pod, podIPs, clusterDomain);
}

/**
 * Whether the container gets the managed /etc/hosts (upstream shouldMountHostsFile): the pod has
 * IPs or uses the host network, and the container does not mount a volume at /etc/hosts itself.
 */
export function mountsHostsFile(pod: Pod, container: Container, podIPs: readonly string[]): boolean {
  if (podIPs.length === 0 && !pod.spec.hostNetwork) return false;
  return !(container.volumeMounts ?? []).some((m) => m.mountPath === ETC_HOSTS);
}

/** Writes `<podDir>/etc-hosts` (mode 0644) and returns its path. */
export function writeHostsFile(podDir: string, pod: Pod, podIPs: readonly string[], clusterDomain: string, nodeHostsPath = ETC_HOSTS): string {
  const file = `${podDir}/etc-hosts`;
  writeFileSync(file, hostsFileContent(pod, podIPs, clusterDomain, nodeHostsPath), { mode: 0o644 });
  chmodSync(file, 0o644);
  return file;
}
