/**
 * The cluster domain, answered as the Kubernetes DNS specification (kubernetes/dns
 * docs/specs/dns-spec.md) and CoreDNS' kubernetes plugin (`pods insecure`, ttl 5) define it:
 * - `<svc>.<ns>.svc.<zone>`: A/AAAA of the ClusterIPs; for a headless Service, of its ready
 *   endpoints (NXDOMAIN when it has none, as CoreDNS); CNAME to the target of an ExternalName.
 * - `<hostname>.<svc>.<ns>.svc.<zone>`: one endpoint (its hostname, or its address with dashes).
 * - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV (and SRV at the Service name for every port):
 *   target the Service name, or each endpoint's name for headless Services, with A/AAAA additionals.
 * - `<a-b-c-d>.<ns>.pod.<zone>`: the address in the name, unchecked.
 * - `dns-version.<zone>` TXT "1.1.0"; the apex has SOA and NS `ns.dns.<zone>` (the cluster DNS IP).
 * - PTR under in-addr.arpa/ip6.arpa for ClusterIPs and endpoint addresses; names inside the service
 *   or cluster CIDR that are unknown are NXDOMAIN here, other reverse names are not this zone's.
 * Names that exist but hold no record of the asked type (empty non-terminals such as
 * `svc.<zone>` included) are NODATA: NOERROR with the SOA in authority; names that do not exist
 * are NXDOMAIN with the SOA. Every record has the configured TTL (default 5 s).
 */
import { RRClass, RRType, Rcode } from "../dns/constants.ts";
import { cidrContains, formatIPv4, formatIPv6, parseIPv4, parseIPv6, parseReverseName, type Cidr } from "../dns/ip.ts";
import { inZone, type ResourceRecord } from "../dns/message.ts";
import { answerOf, type ZoneAnswer } from "./answer.ts";
import { type ClusterView, type PortView, type ServiceView } from "./cluster-data.ts";

/** The schema version the DNS specification asks `dns-version.<zone>` to report. */
export const DNS_SCHEMA_VERSION = "1.1.0";

export interface ClusterZoneOptions {
  /** Canonical cluster domain, e.g. "cluster.local". */
  zone: string;
  /** The kube-dns ClusterIP, for `ns.dns.<zone>`. */
  dnsIP: string;
  /** CIDRs whose reverse names this zone owns (service and cluster CIDRs). */
  reverseCidrs: readonly Cidr[];
  ttl: number;
}

export interface ClusterZone {
  /** True when `qname` (canonical) is answered by this zone. */
  owns(qname: string): boolean;
  answer(qname: string, qtype: number): ZoneAnswer;
}

const PROTOCOLS = new Set(["_tcp", "_udp", "_sctp"]);

export function createClusterZone(data: ClusterView, opts: ClusterZoneOptions): ClusterZone {
  const { zone, ttl } = opts;
  const started = Math.floor(Date.now() / 1000);
  const soa = (owner: string): ResourceRecord => ({
    name: owner, type: RRType.SOA, class: RRClass.IN, ttl,
    data: {
      mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: (started + data.generation) >>> 0,
      refresh: 7200, retry: 1800, expire: 86400, minimum: ttl,
    },
  });
  const rr = (name: string, type: number, data: ResourceRecord["data"]): ResourceRecord => ({ name, type, class: RRClass.IN, ttl, data });
  const addressRR = (name: string, ip: string) => rr(name, ip.includes(":") ? RRType.AAAA : RRType.A, { address: ip });

  /** Reverse zone (octet/nibble aligned) of the CIDR holding this reverse prefix, if any. */
  function reverseZoneOf(qname: string): string | undefined {
    const prefix = parseReverseName(qname);
    if (!prefix) return undefined;
    for (const cidr of opts.reverseCidrs) {
      const step = cidr.bytes.length === 4 ? 8 : 4;
      const zoneBits = Math.floor(cidr.bits / step) * step;
      // Inside when the name is at or below the CIDR's (rounded) reverse zone and its prefix matches.
      if (prefix.bits >= zoneBits && prefix.bytes.length === cidr.bytes.length
        && cidrContains({ ...cidr, bits: Math.min(cidr.bits, prefix.bits) }, prefix.bytes)) {
        const labels = qname.split(".");
        return labels.slice(labels.length - 2 - zoneBits / step).join(".");
      }
    }
    return undefined;
  }

  function answerReverse(qname: string, qtype: number, rzone: string): ZoneAnswer {
    const prefix = parseReverseName(qname)!;
    const full = prefix.bits === prefix.bytes.length * 8;
    const ip = full ? (prefix.bytes.length === 4 ? formatIPv4(prefix.bytes) : formatIPv6(prefix.bytes)) : undefined;
    const names = ip ? data.namesForIP(ip) : [];
    if (qname === rzone && (qtype === RRType.SOA || qtype === RRType.ANY)) return answerOf(Rcode.NOERROR, [soa(rzone)]);
    if (names.length === 0) {
      // The zone apex and the labels between it and full addresses exist (as empty non-terminals).
      return full ? answerOf(Rcode.NXDOMAIN, [], [soa(rzone)]) : answerOf(Rcode.NOERROR, [], [soa(rzone)]);
    }
    if (qtype !== RRType.PTR && qtype !== RRType.ANY) return answerOf(Rcode.NOERROR, [], [soa(rzone)]);
    return answerOf(Rcode.NOERROR, names.map((n) => rr(qname, RRType.PTR, { target: `${n}.${zone}` })));
  }

  /** Every record at `qname` (all types), or "nx" when the name does not exist, "ent" for an empty non-terminal. */
  function recordsAt(qname: string, labels: string[]): ResourceRecord[] | "nx" | "ent" {
    const [top, ns, svcName, a, b, ...rest] = labels;
    if (top === undefined) {
      return [soa(zone), rr(zone, RRType.NS, { target: `ns.dns.${zone}` })];
    }
    if (top === "dns-version") return labels.length === 1 ? [rr(qname, RRType.TXT, { texts: [DNS_SCHEMA_VERSION] })] : "nx";
    if (top === "dns") {
      if (labels.length === 1) return "ent";
      return labels.length === 2 && ns === "ns" ? [addressRR(qname, opts.dnsIP)] : "nx";
    }
    if (top === "pod") {
      if (labels.length <= 2) return "ent";
      if (labels.length > 3) return "nx";
      const ip = podIP(svcName!);
      return ip ? [addressRR(qname, ip)] : "nx";
    }
    if (top !== "svc") return "nx";
    if (ns === undefined) return "ent";
    if (!data.namespaceHasServices(ns)) return "nx";
    if (svcName === undefined) return "ent";
    const svc = data.service(ns, svcName);
    if (!svc || rest.length > 0) return "nx";
    const svcFqdn = `${svc.name}.${ns}.svc.${zone}`;
    if (a === undefined) return serviceRecords(qname, svc, svcFqdn);
    if (svc.externalName !== undefined) return "nx";
    if (b === undefined) {
      if (PROTOCOLS.has(a)) return svcPorts(svc).some((p) => p.name !== "" && `_${p.protocol}` === a) ? "ent" : "nx";
      const eps = data.endpoints(ns, svc.name).filter((e) => e.hostname === a);
      return eps.length ? eps.map((e) => addressRR(qname, e.address)) : "nx";
    }
    // _<port>._<proto>: labels are reversed, so `a` is the protocol and `b` the port name.
    if (!PROTOCOLS.has(a) || !b.startsWith("_")) return "nx";
    const srv = srvRecords(qname, svc, svcFqdn, (p) => `_${p.protocol}` === a && `_${p.name}` === b);
    return srv.length ? srv : "nx";
  }

  function svcPorts(svc: ServiceView): PortView[] {
    return svc.headless ? data.endpoints(svc.namespace, svc.name).flatMap((e) => e.ports) : svc.ports;
  }

  function serviceRecords(qname: string, svc: ServiceView, svcFqdn: string): ResourceRecord[] | "nx" {
    if (svc.externalName !== undefined) return [rr(qname, RRType.CNAME, { target: svc.externalName })];
    if (svc.headless) {
      const eps = data.endpoints(svc.namespace, svc.name);
      if (eps.length === 0) return "nx";
      return [...eps.map((e) => addressRR(qname, e.address)), ...srvRecords(qname, svc, svcFqdn, () => true)];
    }
    return [...svc.clusterIPs.map((ip) => addressRR(qname, ip)), ...srvRecords(qname, svc, svcFqdn, () => true)];
  }

  function srvRecords(qname: string, svc: ServiceView, svcFqdn: string, match: (p: PortView) => boolean): ResourceRecord[] {
    const targets: { port: number; target: string }[] = [];
    if (svc.headless) {
      for (const e of data.endpoints(svc.namespace, svc.name)) {
        for (const p of e.ports) if (match(p) && p.port > 0) targets.push({ port: p.port, target: `${e.hostname}.${svcFqdn}` });
      }
    } else {
      for (const p of svc.ports) if (match(p)) targets.push({ port: p.port, target: svcFqdn });
    }
    // CoreDNS: priority 0, weights sharing 100 among the records.
    const weight = targets.length ? Math.floor(100 / targets.length) : 0;
    return targets.map((t) => rr(qname, RRType.SRV, { priority: 0, weight, port: t.port, target: t.target }));
  }

  /** A/AAAA additionals for SRV targets inside the zone. */
  function additionalsFor(answers: ResourceRecord[]): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    const seen = new Set<string>();
    for (const a of answers) {
      if (a.type !== RRType.SRV) continue;
      const target = (a.data as { target: string }).target;
      if (seen.has(target)) continue;
      seen.add(target);
      const labels = relativeLabels(target);
      const records = labels ? recordsAt(target, labels) : "nx";
      if (Array.isArray(records)) out.push(...records.filter((r) => r.type === RRType.A || r.type === RRType.AAAA));
    }
    return out;
  }

  function relativeLabels(qname: string): string[] | undefined {
    if (qname === zone) return [];
    if (!inZone(qname, zone)) return undefined;
    return qname.slice(0, qname.length - zone.length - 1).split(".").reverse();
  }

  return {
    owns(qname) {
      return inZone(qname, zone) || reverseZoneOf(qname) !== undefined;
    },
    answer(qname, qtype) {
      const labels = relativeLabels(qname);
      if (!labels) {
        const rzone = reverseZoneOf(qname);
        return rzone ? answerReverse(qname, qtype, rzone) : answerOf(Rcode.REFUSED, [], [], [], false);
      }
      const records = recordsAt(qname, labels);
      if (records === "nx") return answerOf(Rcode.NXDOMAIN, [], [soa(zone)]);
      if (records === "ent") return answerOf(Rcode.NOERROR, [], [soa(zone)]);
      const cname = records.find((r) => r.type === RRType.CNAME);
      if (cname && qtype !== RRType.CNAME && qtype !== RRType.ANY) {
        const answer = answerOf(Rcode.NOERROR, [cname]);
        answer.chase = (cname.data as { target: string }).target;
        return answer;
      }
      const answers = qtype === RRType.ANY ? records : records.filter((r) => r.type === qtype);
      if (answers.length === 0) return answerOf(Rcode.NOERROR, [], [soa(zone)]);
      return answerOf(Rcode.NOERROR, answers, [], additionalsFor(answers));
    },
  };
}

/** "10-42-0-5" -> "10.42.0.5"; "fd00--1" -> "fd00::1"; undefined when the label is no address. */
export function podIP(label: string): string | undefined {
  const v4 = label.replace(/-/g, ".");
  const b4 = parseIPv4(v4);
  if (b4) return formatIPv4(b4);
  const b6 = parseIPv6(label.replace(/-/g, ":"));
  return b6 ? formatIPv6(b6) : undefined;
}
