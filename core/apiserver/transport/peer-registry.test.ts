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
