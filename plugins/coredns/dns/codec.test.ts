import { describe, expect, test } from "bun:test";
import { RRClass, RRType } from "./constants.ts";
import { decodeMessage, FormatError } from "./decode.ts";
import { encodeMessage } from "./encode.ts";
import { emptyFlags, inZone, type Message, type ResourceRecord } from "./message.ts";
import { nameToLabels } from "./name.ts";

const rr = (name: string, type: number, data: ResourceRecord["data"], ttl = 5): ResourceRecord => ({ name, type, class: RRClass.IN, ttl, data });

function message(partial: Partial<Message>): Message {
  return { id: 0x1234, flags: { ...emptyFlags(), qr: true, aa: true, rd: true, ra: true }, questions: [], answers: [], authorities: [], additionals: [], ...partial };
}

describe("DNS wire codec", () => {
  test("every record type round-trips, with EDNS and extended rcode", () => {
    const m = message({
      flags: { ...emptyFlags(), qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, ad: false, cd: true, rcode: 16 },
      questions: [{ name: "web.default.svc.cluster.local", type: RRType.SRV, class: RRClass.IN }],
      answers: [
        rr("web.default.svc.cluster.local", RRType.A, { address: "10.43.0.20" }),
        rr("web.default.svc.cluster.local", RRType.AAAA, { address: "fd00:10:43::14" }),
        rr("web.default.svc.cluster.local", RRType.CNAME, { target: "x.example.com" }),
        rr("_http._tcp.web.default.svc.cluster.local", RRType.SRV, { priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }),
        rr("20.0.43.10.in-addr.arpa", RRType.PTR, { target: "web.default.svc.cluster.local" }),
        rr("cluster.local", RRType.MX, { preference: 10, exchange: "mail.cluster.local" }),
        rr("dns-version.cluster.local", RRType.TXT, { texts: ["1.1.0", "two words"] }),
        rr("cluster.local", 99, { raw: new Uint8Array([1, 2, 3]) }),
      ],
      authorities: [rr("cluster.local", RRType.SOA, { mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local", serial: 4294967295, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 })],
      additionals: [rr("ns.dns.cluster.local", RRType.A, { address: "10.43.0.10" })],
      edns: { udpSize: 1232, version: 0, dnssecOk: true, options: [{ code: 10, data: new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]) }] },
    });
    const { bytes, truncated } = encodeMessage(m);
    expect(truncated).toBe(false);
    expect(decodeMessage(bytes)).toEqual(m);
  });

  test("names are compressed (and case-insensitively), the SRV target is not", () => {
    const name = "a-long-service-name.some-namespace.svc.cluster.local";
    const m = message({
      questions: [{ name, type: RRType.A, class: RRClass.IN }],
      answers: [rr(name.toUpperCase(), RRType.A, { address: "10.0.0.1" }), rr(name, RRType.A, { address: "10.0.0.2" })],
    });
    const { bytes } = encodeMessage(m);
    // header 12 + question (name 54 + 4) + 2 answers of pointer(2)+10+4
    expect(bytes.length).toBe(12 + 54 + 4 + 2 * 16);
    const back = decodeMessage(bytes);
    expect(back.answers.map((a) => a.name)).toEqual([name, name]); // pointers resolve to the first spelling

    const srv = message({ answers: [rr(name, RRType.SRV, { priority: 0, weight: 0, port: 1, target: name })] });
    expect(encodeMessage(srv).bytes.length).toBe(12 + 54 + 10 + 6 + 54);
  });

  test("labels with dots, backslashes and binary bytes survive as escapes", () => {
    const m = message({ questions: [{ name: "a\\.b.c\\\\d.\\000\\255x", type: RRType.TXT, class: RRClass.IN }] });
    const back = decodeMessage(encodeMessage(m).bytes);
    expect(back.questions[0]!.name).toBe("a\\.b.c\\\\d.\\000\\255x");
    expect(nameToLabels("a\\.b").map((l) => l.length)).toEqual([3]);
    expect(inZone("a\\.cluster.local", "cluster.local")).toBe(false);
    expect(inZone("x.cluster.local", "cluster.local")).toBe(true);
    expect(inZone("xcluster.local", "cluster.local")).toBe(false);
  });

  test("malformed input is a FormatError, never another exception", () => {
    const header = (qd: number, an = 0) => [0, 1, 1, 0, 0, qd, 0, an, 0, 0, 0, 0];
    const cases: [string, number[]][] = [
      ["runt", [0, 1, 2]],
      ["question count past the end", header(1)],
      ["pointer to itself", [...header(1), 0xc0, 12, 0, 1, 0, 1]],
      ["pointer forwards", [...header(1), 0xc0, 20, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]],
      ["pointer loop via a label", [...header(1), 1, 97, 0xc0, 12, 0, 1, 0, 1]],
      ["label past the end", [...header(1), 10, 97]],
      ["reserved label type", [...header(1), 0x40, 0, 1, 0, 1]],
      ["rdata past the end", [...header(1, 1), 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 1]],
      ["A with 3 bytes", [...header(1, 1), 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]],
      ["trailing bytes", [...header(0), 7]],
    ];
    for (const [what, bytes] of cases) {
      expect(() => decodeMessage(Uint8Array.from(bytes)), what).toThrow(FormatError);
    }
    // A name longer than 255 bytes through pointers to long labels.
    const long: number[] = [...header(1)];
    for (let i = 0; i < 5; i++) long.push(63, ...Array(63).fill(97));
    long.push(0, 0, 1, 0, 1);
    expect(() => decodeMessage(Uint8Array.from(long))).toThrow("longer than 255");
  });

  test("random garbage never throws anything but FormatError", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const base = encodeMessage(message({
      questions: [{ name: "web.default.svc.cluster.local", type: RRType.A, class: RRClass.IN }],
      answers: [rr("web.default.svc.cluster.local", RRType.SRV, { priority: 0, weight: 1, port: 2, target: "x.default.svc.cluster.local" })],
    })).bytes;
    for (let i = 0; i < 3000; i++) {
      const b = i % 2 ? base.slice() : new Uint8Array(Math.floor(rand() * 80));
      for (let j = 0; j < 1 + rand() * 6; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      try {
        decodeMessage(b);
      } catch (err) {
        expect(err).toBeInstanceOf(FormatError);
      }
    }
  });

  test("a size limit drops whole records: answers set TC, additionals alone do not; OPT always fits", () => {
    const answers = Array.from({ length: 40 }, (_, i) => rr("many.default.svc.cluster.local", RRType.A, { address: `10.42.0.${i}` }));
    const m = message({ questions: [{ name: "many.default.svc.cluster.local", type: RRType.A, class: RRClass.IN }], answers });
    const small = encodeMessage(m, { maxSize: 512 });
    expect(small.truncated).toBe(true);
    expect(small.bytes.length).toBeLessThanOrEqual(512);
    const back = decodeMessage(small.bytes);
    expect(back.flags.tc).toBe(true);
    expect(back.answers.length).toBe(Math.floor((512 - 12 - 36) / 16));

    const withOpt = encodeMessage({ ...m, edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [] } }, { maxSize: 512 });
    expect(withOpt.bytes.length).toBeLessThanOrEqual(512);
    expect(decodeMessage(withOpt.bytes).edns?.udpSize).toBe(1232);

    const extra = encodeMessage({ ...m, answers: answers.slice(0, 2), additionals: answers }, { maxSize: 512 });
    expect(extra.truncated).toBe(false);
    expect(decodeMessage(extra.bytes).flags.tc).toBe(false);
    expect(decodeMessage(extra.bytes).answers.length).toBe(2);
  });

  test("TTL offsets point at every record's TTL field", () => {
    const m = message({
      questions: [{ name: "a.example", type: RRType.A, class: RRClass.IN }],
      answers: [rr("a.example", RRType.A, { address: "1.2.3.4" }, 111)],
      authorities: [rr("example", RRType.NS, { target: "ns.example" }, 222)],
    });
    const { bytes, ttlOffsets } = encodeMessage(m);
    const view = new DataView(bytes.buffer);
    expect(ttlOffsets.map((o) => view.getUint32(o))).toEqual([111, 222]);
  });
});
