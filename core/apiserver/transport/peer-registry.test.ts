import { describe, expect, test } from "bun:test";
import { PeerRegistry } from "./peer-registry.ts";

describe("PeerRegistry", () => {
  const verified = { kind: "verified", identity: { user: "u", groups: ["g"] } } as const;
  test("registered loopback port resolves; unregister forgets it", () => {
    const r = new PeerRegistry();
    r.register(40000, verified);
    expect(r.lookup({ address: "127.0.0.1", port: 40000 })).toBe(verified);
    expect(r.lookup({ address: "::ffff:127.0.0.1", port: 40000 })).toBe(verified);
    r.unregister(40000);
    expect(r.lookup({ address: "127.0.0.1", port: 40000 })).toEqual({ kind: "none" });
    expect(r.size).toBe(0);
  });
  test("unknown port, other source address, or no address is anonymous", () => {
    const r = new PeerRegistry();
    r.register(40001, verified);
    expect(r.lookup({ address: "127.0.0.1", port: 40002 })).toEqual({ kind: "none" });
    expect(r.lookup({ address: "127.0.0.2", port: 40001 })).toEqual({ kind: "none" });
    expect(r.lookup({ address: "::1", port: 40001 })).toEqual({ kind: "none" });
    expect(r.lookup(null)).toEqual({ kind: "none" });
  });
});

describe("PeerRegistry registration ids", () => {
  const a = { kind: "verified", identity: { user: "a", groups: [] } } as const;
  const b = { kind: "rejected", reason: "x" } as const;
  test("a late unregister of an older registration keeps the newer one on a reused port", () => {
    const r = new PeerRegistry();
    r.register(40010, a, 1);
    r.register(40010, b, 2); // port reused before the old unregister arrived
    r.unregister(40010, 1);
    expect(r.lookup({ address: "127.0.0.1", port: 40010 })).toBe(b);
    r.unregister(40010, 2);
    expect(r.lookup({ address: "127.0.0.1", port: 40010 })).toEqual({ kind: "none" });
  });
});

test("the TLS client's address is kept with the registration, for audit's sourceIPs", () => {
  const registry = new PeerRegistry();
  registry.register(40001, { kind: "none" }, 7, "192.0.2.10");
  expect(registry.clientAddressOf({ address: "127.0.0.1", port: 40001 })).toBe("192.0.2.10");
  expect(registry.clientAddressOf({ address: "127.0.0.1", port: 40002 })).toBeUndefined();
  expect(registry.clientAddressOf({ address: "10.0.0.1", port: 40001 })).toBeUndefined();
  registry.unregister(40001, 7);
  expect(registry.clientAddressOf({ address: "127.0.0.1", port: 40001 })).toBeUndefined();
});
