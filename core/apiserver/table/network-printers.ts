/** Printers for Endpoints, EndpointSlices, Ingresses, IngressClasses and NetworkPolicies (upstream printers.go, 1.32). */
import { AGE_COLUMN, NAME_COLUMN, age, col, selectorText, type Json } from "./cells.ts";
import type { TablePrinter } from "./types.ts";

const MAX_LISTED = 3;

/** net.JoinHostPort: IPv6 hosts in brackets. */
function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** upstream formatEndpoints(endpoints, nil): at most 3 `ip:port` entries, then ` + N more...`. */
export function formatEndpoints(ep: Json): string {
  const subsets: Json[] = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses: Json[] = ss.addresses ?? [];
    const ports: Json[] = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === MAX_LISTED) { more = true; break; }
        list.push(a.ip ?? "");
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === MAX_LISTED) { more = true; break; }
        list.push(joinHostPort(a.ip ?? "", port.port ?? 0));
      }
    }
  }
  const ret = list.join(",");
  return more ? `${ret} + ${count - MAX_LISTED} more...` : ret;
}

function listWithMore(list: string[], more: boolean, count: number): string {
  const ret = list.join(",");
  if (more) return `${ret} + ${count - MAX_LISTED} more...`;
  return ret === "" ? "<unset>" : ret;
}

/** upstream formatDiscoveryPorts: port numbers (or names, or `*`). */
export function formatDiscoveryPorts(ports: Json[] | undefined): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of ports ?? []) {
    if (list.length < MAX_LISTED) {
      list.push(typeof p.port === "number" ? String(p.port) : p.name != null ? String(p.name) : "*");
    } else if (list.length === MAX_LISTED) more = true;
    count++;
  }
  return listWithMore(list, more, count);
}

/** upstream formatDiscoveryEndpoints: the addresses of all endpoints. */
export function formatDiscoveryEndpoints(endpoints: Json[] | undefined): string {
  if (!endpoints || endpoints.length === 0) return "<unset>";
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const e of endpoints) {
    for (const address of e.addresses ?? []) {
      if (list.length < MAX_LISTED) list.push(address);
      else if (list.length === MAX_LISTED) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count);
}

export const endpointsPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Endpoints", "string", 0, "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."), AGE_COLUMN],
  cells: (ep, now) => [ep.metadata.name ?? "", formatEndpoints(ep), age(ep, now)],
};

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("AddressType", "string", 0, "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported:\n* IPv4: Represents an IPv4 Address.\n* IPv6: Represents an IPv6 Address.\n* FQDN: Represents a Fully Qualified Domain Name."),
    col("Ports", "string", 0, "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports."),
    col("Endpoints", "string", 0, "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
    AGE_COLUMN,
  ],
  cells: (s, now) => [s.metadata.name ?? "", s.addressType ?? "", formatDiscoveryPorts(s.ports), formatDiscoveryEndpoints(s.endpoints), age(s, now)],
};

/** upstream formatHosts: up to 3 rule hosts, `*` when none is named. */
export function formatIngressHosts(rules: Json[] | undefined): string {
  const all = rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const rule of all) {
    if (list.length === MAX_LISTED) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return "*";
  const ret = list.join(",");
  return more ? `${ret} + ${all.length - MAX_LISTED} more...` : ret;
}

/** ingressLoadBalancerStatusStringer (wide, as the server prints): sorted, unique IPs or hostnames. */
export function ingressAddress(ing: Json): string {
  const set = new Set<string>();
  for (const i of ing.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(",");
}

export const ingressPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Class", "string", 0, "The name of the IngressClass resource that should be used for additional configuration"),
    col("Hosts", "string", 0, "Hosts that incoming requests are matched against before the ingress rule"),
    col("Address", "string", 0, "Address is a list containing ingress points for the load-balancer"),
    col("Ports", "string", 0, "Ports of TLS configurations that open"),
    AGE_COLUMN,
  ],
  cells(ing, now) {
    const spec: Json = ing.spec ?? {};
    return [
      ing.metadata.name ?? "", spec.ingressClassName ?? "<none>", formatIngressHosts(spec.rules), ingressAddress(ing),
      (spec.tls ?? []).length ? "80, 443" : "80", age(ing, now),
    ];
  },
};

export const ingressClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Controller", "string", 0, "Controller that is responsible for handling this class"),
    col("Parameters", "string", 0, "A reference to a resource with additional parameters"),
    AGE_COLUMN,
  ],
  cells(ic, now) {
    const p: Json | undefined = ic.spec?.parameters;
    let parameters = "<none>";
    if (p) parameters = `${p.kind ?? ""}${p.apiGroup != null ? `.${p.apiGroup}` : ""}/${p.name ?? ""}`;
    return [ic.metadata.name ?? "", ic.spec?.controller ?? "", parameters, age(ic, now)];
  },
};

export const networkPolicyPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Pod-Selector", "string", 0, "podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace."), AGE_COLUMN],
  cells: (np, now) => [np.metadata.name ?? "", selectorText(np.spec?.podSelector), age(np, now)],
};
