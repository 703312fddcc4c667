import { afterEach, describe, expect, test } from "bun:test";
import { RRClass, RRType, Rcode } from "../dns/constants.ts";
import { a, startTestUpstream, type TestUpstream } from "../testing/test-upstream.ts";
import { createForwarder, type Forwarder } from "./forwarder.ts";
import { parseUpstream, type Upstream } from "./upstream.ts";

let upstreams: TestUpstream[] = [];
let forwarder: Forwarder | undefined;
afterEach(() => {
  for (const u of upstreams) u.close();
  forwarder?.close();
  upstreams = [];
  forwarder = undefined;
});

const up = (u: TestUpstream) => parseUpstream(u.address) as Upstream;
const q = (name: string) => ({ name, type: RRType.A, class: RRClass.IN });

describe("forwarder (test upstreams on 127.0.0.1 only)", () => {
  test("asks over UDP; a truncated answer is asked again over TCP", async () => {
    const u = await startTestUpstream([a("www.example.test", "192.0.2.1"), a("big.example.test", "192.0.2.2")]);
    upstreams.push(u);
    const attempts: string[] = [];
    forwarder = createForwarder({ onAttempt: (x, outcome) => attempts.push(`${x.label} ${outcome}`) });
    const m = await forwarder.query(q("www.example.test"), [up(u)]);
    expect(m.answers[0]!.data).toEqual({ address: "192.0.2.1" });
    u.truncateUdp.add("big.example.test");
    const big = await forwarder.query(q("big.example.test"), [up(u)]);
    expect([big.flags.tc, big.answers[0]!.data]).toEqual([false, { address: "192.0.2.2" }]);
    expect(u.log).toEqual(["www.example.test 1 udp", "big.example.test 1 udp", "big.example.test 1 tcp"]);
    const nx = await forwarder.query(q("nope.example.test"), [up(u)]);
    expect(nx.flags.rcode).toBe(Rcode.NXDOMAIN);
    expect(attempts).toEqual([`${u.address} NOERROR`, `${u.address} NOERROR`, `${u.address} NXDOMAIN`]);
  });

  test("a silent upstream times out and the next one answers; all silent rejects", async () => {
    const dead = await startTestUpstream();
    const live = await startTestUpstream([a("www.example.test", "192.0.2.1")]);
    upstreams.push(dead, live);
    dead.silent = true;
    forwarder = createForwarder({ timeoutMs: 150 });
    const m = await forwarder.query(q("www.example.test"), [up(dead), up(live)]);
    expect(m.answers.length).toBe(1);
    expect(dead.log).toEqual([]);
    await expect(forwarder.query(q("www.example.test"), [up(dead)])).rejects.toThrow(`${dead.address}: no answer within 150 ms`);
    await expect(forwarder.query(q("x"), [])).rejects.toThrow("no upstream");
  });
});
