/**
 * A tiny authoritative DNS server on 127.0.0.1 for tests and benchmarks: it answers from a
 * table of records (NXDOMAIN with a SOA otherwise), counts queries, and can be told to drop
 * queries (to test timeouts) or to truncate UDP answers for some names (to test the TCP retry).
 * Never a real resolver: it only knows what the test gives it.
 */
import { RRClass, RRType, Rcode } from "../dns/constants.ts";
import { decodeMessage } from "../dns/decode.ts";
import { encodeMessage } from "../dns/encode.ts";
import { canonicalName, emptyFlags, type ResourceRecord } from "../dns/message.ts";
import { startDnsListeners, type DnsListeners } from "../server/listeners.ts";

export interface TestUpstream {
  readonly port: number;
  readonly address: string;
  /** Queries received, as "name TYPE proto". */
  readonly log: string[];
  records: ResourceRecord[];
  /** Names (canonical) whose UDP answers are sent truncated (TC, no records). */
  truncateUdp: Set<string>;
  /** When true, queries are ignored. */
  silent: boolean;
  close(): void;
}

export const TEST_SOA: ResourceRecord = {
  name: "example.test", type: RRType.SOA, class: RRClass.IN, ttl: 3600,
  data: { mname: "ns.example.test", rname: "hostmaster.example.test", serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
};

export async function startTestUpstream(records: ResourceRecord[] = []): Promise<TestUpstream> {
  const state = { records, truncateUdp: new Set<string>(), silent: false, log: [] as string[] };
  const listeners: DnsListeners = await startDnsListeners({
    hostname: "127.0.0.1", port: 0,
    handle(query, proto) {
      if (state.silent) return undefined;
      const q = decodeMessage(query);
      const question = q.questions[0]!;
      const name = canonicalName(question.name);
      state.log.push(`${name} ${question.type} ${proto}`);
      const matching = state.records.filter((r) => canonicalName(r.name) === name);
      const answers = matching.filter((r) => r.type === question.type || (r.type === RRType.CNAME && question.type !== RRType.CNAME));
      const truncated = proto === "udp" && state.truncateUdp.has(name);
      const rcode = matching.length || truncated ? Rcode.NOERROR : Rcode.NXDOMAIN;
      return encodeMessage({
        id: q.id, flags: { ...emptyFlags(), qr: true, aa: true, rd: q.flags.rd, ra: true, tc: truncated, rcode },
        questions: q.questions, answers: truncated ? [] : answers,
        authorities: !truncated && answers.length === 0 ? [TEST_SOA] : [], additionals: [],
        ...(q.edns ? { edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [] } } : {}),
      }).bytes;
    },
  });
  return Object.assign(state, {
    port: listeners.port, address: `127.0.0.1:${listeners.port}`,
    close: () => listeners.close(),
  }) as TestUpstream;
}

/** An A record. */
export function a(name: string, address: string, ttl = 300): ResourceRecord {
  return { name, type: RRType.A, class: RRClass.IN, ttl, data: { address } };
}
