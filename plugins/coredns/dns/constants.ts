/** DNS wire constants (RFC 1035, 2782, 3596, 6891) for the types and codes this plugin handles. */

export const RRType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255,
} as const;

export const RRClass = { IN: 1, CH: 3, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5,
  /** Extended (needs OPT): the query's EDNS version is not supported. */
  BADVERS: 16,
} as const;

export const Opcode = { QUERY: 0 } as const;

/** Largest UDP payload without EDNS0 (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
/** The UDP payload size this server advertises and asks upstreams for (DNS flag day 2020). */
export const EDNS_UDP_SIZE = 1232;
/** Largest payload we ever send over UDP, whatever a client advertises. */
export const MAX_UDP_SIZE = 4096;

const TYPE_NAMES = new Map<number, string>(Object.entries(RRType).map(([k, v]) => [v, k]));
const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([k, v]) => [v, k]));

/** "A", "SRV", ... or "TYPE<n>" (RFC 3597 notation) for types without a name here. */
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

/** "NOERROR", "NXDOMAIN", ... or "RCODE<n>". */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}
