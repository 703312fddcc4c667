/**
 * Static name -> address entries answered before everything else, like CoreDNS' hosts plugin:
 * the cluster's node names (K3s' NodeHosts: each Node's InternalIP, TTL 60) and the operator's
 * `hosts` blocks from the coredns-custom ConfigMap. A name in the table is answered
 * authoritatively (NODATA for other types); names not in it fall through to the next resolver.
 * PTR queries for a listed address answer its names.
 */
import { RRClass, RRType, Rcode } from "../dns/constants.ts";
import { canonicalIP, reverseName } from "../dns/ip.ts";
import { canonicalName, type ResourceRecord } from "../dns/message.ts";
import { answerOf, type ZoneAnswer } from "./answer.ts";

export interface HostEntry {
  name: string;
  ip: string;
  ttl: number;
  /** Do not answer PTR queries for this entry's address (hosts' `no_reverse`). */
  noReverse?: boolean;
}

/** TTL of node-name records (K3s' NodeHosts block uses `ttl 60`). */
export const NODE_HOSTS_TTL = 60;

export class HostsTable {
  generation = 0;
  private readonly sources = new Map<string, HostEntry[]>();
  private byName = new Map<string, HostEntry[]>();
  private byReverse = new Map<string, HostEntry[]>();

  /** Replaces the entries of one source ("nodes", "custom"); invalid names or addresses are skipped. A no-op when nothing changed. */
  setSource(source: string, entries: readonly HostEntry[]): void {
    const clean: HostEntry[] = [];
    for (const e of entries) {
      const ip = canonicalIP(e.ip);
      if (ip && e.name) clean.push({ ...e, name: canonicalName(e.name), ip });
    }
    // Node heartbeats re-deliver unchanged addresses: keep the generation (and prepared answers) then.
    if (JSON.stringify(this.sources.get(source) ?? []) === JSON.stringify(clean)) return;
    this.sources.set(source, clean);
    this.rebuild();
  }

  private rebuild(): void {
    const byName = new Map<string, HostEntry[]>();
    const byReverse = new Map<string, HostEntry[]>();
    const push = (m: Map<string, HostEntry[]>, k: string, e: HostEntry) => {
      const l = m.get(k);
      if (!l) m.set(k, [e]);
      else if (!l.some((x) => x.ip === e.ip && x.name === e.name)) l.push(e);
    };
    for (const entries of this.sources.values()) {
      for (const e of entries) {
        push(byName, e.name, e);
        if (!e.noReverse) push(byReverse, reverseName(e.ip)!, e);
      }
    }
    this.byName = byName;
    this.byReverse = byReverse;
    this.generation++;
  }

  get size(): number {
    return this.byName.size;
  }

  /** The answer for a listed name or reverse name (canonical), or undefined to fall through. */
  answer(qname: string, qtype: number): ZoneAnswer | undefined {
    const entries = this.byName.get(qname);
    if (entries) {
      const records: ResourceRecord[] = entries.map((e) => ({
        name: qname, type: e.ip.includes(":") ? RRType.AAAA : RRType.A, class: RRClass.IN, ttl: e.ttl, data: { address: e.ip },
      }));
      return answerOf(Rcode.NOERROR, qtype === RRType.ANY ? records : records.filter((r) => r.type === qtype));
    }
    const reverse = this.byReverse.get(qname);
    if (reverse) {
      const records: ResourceRecord[] = reverse.map((e) => ({ name: qname, type: RRType.PTR, class: RRClass.IN, ttl: e.ttl, data: { target: e.name } }));
      return answerOf(Rcode.NOERROR, qtype === RRType.PTR || qtype === RRType.ANY ? records : []);
    }
    return undefined;
  }
}
