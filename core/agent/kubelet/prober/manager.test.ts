import { afterEach, describe, expect, test } from "bun:test";
import { createFakeClock, type FakeClock } from "../../../controllers/runtime/fake-clock.ts";
import { quietLog } from "../../../controllers/testing/in-process.ts";
import type { CriClient } from "../../cri/types.ts";
import type { ContainerSpec, Pod } from "../pod-types.ts";
import type { ProbeTarget } from "../ports.ts";
import { ProbeManager } from "./manager.ts";
import type { ProbeKind } from "./probe-types.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Lets the workers' promise chains run after the fake clock fired their timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/**
 * A manager on a fake clock whose exec probes run `cmd[0]` against a script: `exits[cmd]` is the
 * list of exit codes to return in turn (the last one repeats). Real exec through containerd is
 * covered end to end by the kubelet's tests.
 */
function harness(opts: { random?: number; startedLongAgo?: boolean } = {}) {
  const clock: FakeClock = createFakeClock();
  const exits: Record<string, number[]> = {};
  const calls: string[] = [];
  const cri = {
    execSync: async (_id: string, cmd: string[]) => {
      calls.push(cmd[0]!);
      const list = exits[cmd[0]!] ?? [0];
      const code = list.length > 1 ? list.shift()! : list[0]!;
      return { stdout: text(`${cmd[0]} said ${code}`), stderr: text(""), exitCode: code };
    },
  } as unknown as CriClient;
  const changes: [string, string, ProbeKind, boolean][] = [];
  const events: string[] = [];
  const manager = new ProbeManager({
    cri, log: quietLog, clock,
    random: () => opts.random ?? 0,
    recordEvent: (_pod, _type, reason, message) => { events.push(`${reason}: ${message}`); },
    onChange: (uid, name, kind, ok) => { changes.push([uid, name, kind, ok]); },
  });
  if (opts.startedLongAgo !== false) clock.advance(3_600_000);
  const count = (cmd: string) => calls.filter((c) => c === cmd).length;
  /** Moves the clock in 1 s steps, letting workers run after each. */
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) { clock.advance(Math.min(1000, ms - t)); await settle(); }
  };
  managers.push(manager);
  return { clock, exits, calls, count, changes, events, manager, advance };
}

const managers: ProbeManager[] = [];
afterEach(() => { for (const m of managers.splice(0)) m.stop(); });

function pod(containers: ContainerSpec[], meta: Partial<Pod["metadata"]> = {}): Pod {
  return { metadata: { name: "web", namespace: "default", uid: "u1", ...meta }, spec: { containers } };
}
const exec = (cmd: string, extra: Record<string, number> = {}) => ({ exec: { command: [cmd] }, ...extra });
const running = (entries: Record<string, string>, startedAt: number): Map<string, ProbeTarget> =>
  new Map(Object.entries(entries).map(([name, id]) => [name, { containerId: id, startedAt, podIP: "127.0.0.1" }]));

describe("probe manager", () => {
  test("no probes: ready and started as soon as running, never before", async () => {
    const h = harness();
    const p = pod([{ name: "app" }]);
    expect(h.manager.ready("u1", "app")).toBe(false);
    h.manager.sync(p, running({ app: "c1" }, h.clock.now()));
    expect(h.manager.ready("u1", "app")).toBe(true);
    expect(h.manager.started("u1", "app")).toBe(true);
    h.manager.sync(p, new Map());
    expect(h.manager.ready("u1", "app")).toBe(false);
    expect(h.manager.started("u1", "app")).toBe(false);
  });

  test("readiness: false until successThreshold successes, flips after failureThreshold failures, keeps probing", async () => {
    const h = harness();
    h.exits.ready = [0, 0, 1, 1, 0];
    h.manager.sync(pod([{ name: "app", readinessProbe: exec("ready", { periodSeconds: 10, successThreshold: 2, failureThreshold: 2 }) }]), running({ app: "c1" }, h.clock.now()));
    expect(h.manager.result("u1", "app", "readiness")).toBe(false);
    await settle();
    expect(h.count("ready")).toBe(1); // the first probe runs at once
    expect(h.manager.result("u1", "app", "readiness")).toBe(false);
    await h.advance(10_000);
    expect(h.count("ready")).toBe(2);
    expect(h.manager.result("u1", "app", "readiness")).toBe(true);
    expect(h.changes).toEqual([["u1", "app", "readiness", true]]);
    await h.advance(10_000);
    expect(h.manager.result("u1", "app", "readiness")).toBe(true); // one failure is below the threshold
    await h.advance(10_000);
    expect(h.manager.result("u1", "app", "readiness")).toBe(false);
    expect(h.changes.at(-1)).toEqual(["u1", "app", "readiness", false]);
    expect(h.events.filter((e) => e.startsWith("Unhealthy: Readiness probe failed: ready said 1"))).toHaveLength(2);
    await h.advance(20_000);
    expect(h.count("ready")).toBe(6); // at 40 s and 50 s: two successes again
    expect(h.manager.result("u1", "app", "readiness")).toBe(true);
  });

  test("liveness: onChange(false) once after failureThreshold failures, then the worker holds until a new container", async () => {
    const h = harness();
    h.exits.live = [0, 1];
    const p = pod([{ name: "app", livenessProbe: exec("live", { periodSeconds: 5, failureThreshold: 3 }) }]);
    h.manager.sync(p, running({ app: "c1" }, h.clock.now()));
    await settle();
    await h.advance(10_000);
    expect(h.manager.result("u1", "app", "liveness")).toBe(true); // 2 failures so far
    await h.advance(5_000);
    expect(h.manager.result("u1", "app", "liveness")).toBe(false);
    expect(h.changes).toEqual([["u1", "app", "liveness", false]]);
    const probes = h.count("live");
    await h.advance(60_000);
    expect(h.count("live")).toBe(probes); // on hold
    h.manager.sync(p, running({ app: "c1" }, h.clock.now())); // same instance: still on hold
    await h.advance(10_000);
    expect(h.count("live")).toBe(probes);
    h.exits.live = [0];
    h.manager.sync(p, running({ app: "c2" }, h.clock.now())); // restarted
    expect(h.manager.result("u1", "app", "liveness")).toBe(true);
    await settle();
    await h.advance(10_000);
    expect(h.count("live")).toBe(probes + 3);
    expect(h.changes).toHaveLength(1);
  });

  test("startup gates liveness and readiness, then stops probing", async () => {
    const h = harness();
    h.exits.start = [1, 1, 0];
    const p = pod([{ name: "app", startupProbe: exec("start", { periodSeconds: 2, failureThreshold: 10 }), livenessProbe: exec("live", { periodSeconds: 3 }), readinessProbe: exec("ready", { periodSeconds: 3 }) }]);
    h.manager.sync(p, running({ app: "c1" }, h.clock.now()));
    await settle();
    expect(h.manager.started("u1", "app")).toBe(false);
    expect(h.manager.ready("u1", "app")).toBe(false);
    await h.advance(3_000);
    expect(h.count("live") + h.count("ready")).toBe(0);
    expect(h.events).toContain("Unhealthy: Startup probe failed: start said 1");
    await h.advance(1_000); // third startup probe at t=4 s succeeds
    expect(h.count("start")).toBe(3);
    expect(h.manager.started("u1", "app")).toBe(true);
    expect(h.changes).toEqual([["u1", "app", "startup", true]]);
    await h.advance(3_000);
    expect(h.count("live")).toBeGreaterThanOrEqual(1);
    expect(h.count("ready")).toBeGreaterThanOrEqual(1);
    expect(h.manager.ready("u1", "app")).toBe(true);
    await h.advance(20_000);
    expect(h.count("start")).toBe(3);
  });

  test("startup failing past its threshold: onChange(false), then hold", async () => {
    const h = harness();
    h.exits.start = [1];
    h.manager.sync(pod([{ name: "app", startupProbe: exec("start", { periodSeconds: 1, failureThreshold: 3 }), livenessProbe: exec("live") }]), running({ app: "c1" }, h.clock.now()));
    await settle();
    await h.advance(5_000);
    expect(h.changes).toEqual([["u1", "app", "startup", false]]);
    expect(h.count("start")).toBe(3);
    expect(h.count("live")).toBe(0);
    expect(h.manager.started("u1", "app")).toBe(false);
  });

  test("initialDelaySeconds counts from the container's start", async () => {
    const h = harness();
    h.manager.sync(pod([{ name: "app", livenessProbe: exec("live", { periodSeconds: 10, initialDelaySeconds: 25 }) }]), running({ app: "c1" }, h.clock.now()));
    await settle();
    await h.advance(20_000);
    expect(h.count("live")).toBe(0);
    await h.advance(10_000);
    expect(h.count("live")).toBe(1);
  });

  test("right after the kubelet starts, the first probe waits a random part of the period", async () => {
    const h = harness({ random: 0.5, startedLongAgo: false });
    h.manager.sync(pod([{ name: "app", livenessProbe: exec("live", { periodSeconds: 10 }) }]), running({ app: "c1" }, h.clock.now() - 60_000));
    await settle();
    await h.advance(4_000);
    expect(h.count("live")).toBe(0);
    await h.advance(1_000);
    expect(h.count("live")).toBe(1);
    await h.advance(10_000);
    expect(h.count("live")).toBe(2);
  });

  test("asking whether an unready container is ready probes it now", async () => {
    const h = harness();
    h.exits.ready = [1, 0];
    h.manager.sync(pod([{ name: "app", readinessProbe: exec("ready", { periodSeconds: 60, failureThreshold: 1 }) }]), running({ app: "c1" }, h.clock.now()));
    await settle();
    expect(h.count("ready")).toBe(1);
    expect(h.manager.ready("u1", "app")).toBe(false);
    await settle();
    expect(h.count("ready")).toBe(2);
    expect(h.manager.ready("u1", "app")).toBe(true);
  });

  test("a pod being deleted: liveness and startup end quietly, readiness keeps probing", async () => {
    const h = harness();
    h.exits.live = [1];
    h.exits.ready = [0];
    const p = pod([
      { name: "a", livenessProbe: exec("live", { periodSeconds: 1, failureThreshold: 1 }), readinessProbe: exec("ready", { periodSeconds: 1 }) },
      { name: "b", startupProbe: exec("start", { periodSeconds: 1 }) },
    ], { deletionTimestamp: "2024-01-01T00:00:00Z" });
    h.manager.sync(p, running({ a: "c1", b: "c2" }, h.clock.now()));
    expect(h.changes).toEqual([]); // never from inside sync
    await settle();
    await h.advance(3_000);
    expect(h.count("live") + h.count("start")).toBe(0);
    expect(h.count("ready")).toBeGreaterThanOrEqual(3);
    expect(h.changes).toEqual([["u1", "b", "startup", true], ["u1", "a", "readiness", true]]);
    expect(h.manager.started("u1", "b")).toBe(true);
    h.manager.sync(p, running({ a: "c1", b: "c2" }, h.clock.now())); // ended workers are not restarted
    await h.advance(2_000);
    expect(h.count("live") + h.count("start")).toBe(0);
  });

  test("prober errors never count toward a threshold", async () => {
    const h = harness();
    let failing = true;
    const cri = { execSync: async () => { if (failing) throw Object.assign(new Error("gone"), { code: 5, details: "container not found" }); return { stdout: text(""), stderr: text(""), exitCode: 0 }; } } as unknown as CriClient;
    const changes: unknown[] = [];
    const events: string[] = [];
    const m = new ProbeManager({ cri, log: quietLog, clock: h.clock, random: () => 0, recordEvent: (_p, _t, _r, msg) => { events.push(msg); }, onChange: (...a) => { changes.push(a); } });
    managers.push(m);
    m.sync(pod([{ name: "app", livenessProbe: exec("live", { periodSeconds: 1, failureThreshold: 1 }) }]), running({ app: "c1" }, h.clock.now()));
    await settle();
    await h.advance(3_000);
    expect(m.result("u1", "app", "liveness")).toBe(true);
    expect(changes).toEqual([]);
    expect(events[0]).toBe("Liveness probe errored and resulted in unknown state: rpc error: code = NotFound desc = container not found");
    failing = false;
  });

  test("removePod and stop end the workers", async () => {
    const h = harness();
    const p = pod([{ name: "app", livenessProbe: exec("live", { periodSeconds: 1 }) }]);
    h.manager.sync(p, running({ app: "c1" }, h.clock.now()));
    await settle();
    h.manager.removePod("u1");
    const n = h.count("live");
    await h.advance(5_000);
    expect(h.count("live")).toBe(n);
    expect(h.manager.started("u1", "app")).toBe(false);
    h.manager.stop();
    h.manager.sync(p, running({ app: "c1" }, h.clock.now()));
    await settle();
    await h.advance(5_000);
    expect(h.count("live")).toBe(n);
    expect(h.clock.pending()).toBe(0);
  });
});

describe("probe manager on real time", () => {
  test("an httpGet readiness probe follows a real server", async () => {
    let healthy = true;
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(healthy ? "ok" : "down", { status: healthy ? 200 : 503 }) });
    const changes: [string, boolean][] = [];
    const events: string[] = [];
    const m = new ProbeManager({
      cri: {} as CriClient, log: quietLog,
      recordEvent: (_p, _t, reason, msg) => { events.push(`${reason}: ${msg}`); },
      onChange: (_uid, _name, kind, ok) => { changes.push([kind, ok]); },
    });
    const waitFor = async (cond: () => boolean, ms = 10_000) => {
      const end = Date.now() + ms;
      while (!cond()) { if (Date.now() > end) throw new Error("timed out"); await Bun.sleep(20); }
    };
    try {
      await Bun.sleep(1_100); // past the start-up jitter window of a 1 s period
      const p = pod([{ name: "app", readinessProbe: { httpGet: { port: server.port!, path: "/healthz" }, periodSeconds: 1, failureThreshold: 1 } }]);
      m.sync(p, running({ app: "c1" }, Date.now()));
      await waitFor(() => m.result("u1", "app", "readiness") === true);
      healthy = false;
      await waitFor(() => m.result("u1", "app", "readiness") === false);
      expect(changes).toEqual([["readiness", true], ["readiness", false]]);
      expect(events).toContain("Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503");
    } finally {
      m.stop();
      server.stop(true);
    }
  });
});
