/**
 * A pod's hostname and domain (upstream GeneratePodHostNameAndDomain, GetNodenameForKernel):
 * hostname is spec.hostname or the pod name, cut to 63 characters without a trailing '-' or '.';
 * with spec.subdomain the domain is `<subdomain>.<namespace>.svc.<clusterDomain>`.
 * Invalid input throws a plain Error with upstream's message; callers wrap it.
 */
import { isDNS1123Label } from "../../../apiserver/machinery/label-validation.ts";
import type { Pod } from "./types.ts";

function checkLabel(what: string, value: string): void {
  const errs = isDNS1123Label(value);
  if (errs.length) throw new Error(`pod ${what} "${value}" is not a valid DNS label: ${errs.join(";")}`);
}

export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  const podName = pod.metadata.name ?? "";
  let hostname = podName;
  if (pod.spec.hostname) {
    checkLabel("Hostname", pod.spec.hostname);
    hostname = pod.spec.hostname;
  }
  if (hostname.length > 63) {
    const cut = hostname.slice(0, 63).replace(/[-.]+$/, "");
    if (!cut) throw new Error(`hostname for pod "${podName}" was invalid: "${hostname}"`);
    hostname = cut;
  }
  let domain = "";
  if (pod.spec.subdomain) {
    checkLabel("Subdomain", pod.spec.subdomain);
    domain = `${pod.spec.subdomain}.${pod.metadata.namespace ?? ""}.svc.${clusterDomain}`;
  }
  return { hostname, domain };
}

/** The name the sandbox's kernel gets: the FQDN with setHostnameAsFQDN (at most 64 characters). */
export function kernelHostname(pod: Pod, clusterDomain: string): string {
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  if (!domain || pod.spec.setHostnameAsFQDN !== true) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > 64) {
    throw new Error(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (64 characters is the max, ${fqdn.length} characters requested)`);
  }
  return fqdn;
}
