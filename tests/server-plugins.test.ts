/**
 * End-to-end: `lite server` from the compiled binary: plugin host, admin endpoint, `lite plugins`.
 * Node halves of plugins run only with the embedded agent (containerd and the kubelet), so the tests
 * that need them start it (`{ agent: true }`); the others run the control plane alone.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, existsSync } from "node:fs";
import { REPO, adminGet, kubectl, runLite, scratchDir, startServer } from "./harness/lite-process.ts";
import type { PluginStatus } from "../core/host/plugin-status.ts";

const fixture = (name: string) => `${REPO}/tests/fixtures/plugins/${name}.ts`;
const statuses = async (dataDir: string) => ((await (await adminGet(dataDir, "/plugins")).json()) as { items: PluginStatus[] }).items;
/** The example plugin turns Degraded above a load threshold; CI machines are busy, so raise it. */
const NODE_FACTS_CONFIG = "plugin-config:\n  node-facts:\n    maxLoadPerCpu: 1000\n";
const find = (items: PluginStatus[], id: string, role = "server") => items.find((s) => s.id === id && s.role === role);
/** The machine's /etc/lite/registries.yaml must not leak into tests: point the agent at a file that does not exist. */
const scratch = scratchDir("lite-plugins-");
afterAll(() => scratch.cleanup());
/** Embedded-agent flags: loopback node IP, an OS-assigned kubelet port (several servers run at once). */
const AGENT_ARGS = ["--node-ip", "127.0.0.1", "--kubelet-arg", "port=0", "--private-registry", `${scratch.dir}/registries.yaml`];

describe("lite server with the embedded plugins", () => {
  test.concurrent("every embedded plugin's server half runs; flannel assigns pod CIDRs; lite plugins shows the table", async () => {
    const server = await startServer();
    try {
      let items = await statuses(server.dataDir);
      for (let i = 0; i < 100 && items.some((s) => s.role === "server" && s.state !== "Running"); i++) {
        await Bun.sleep(100);
        items = await statuses(server.dataDir);
      }
      for (const id of ["traefik", "servicelb", "coredns", "local-storage", "metrics"]) {
        expect(find(items, id)).toMatchObject({ enabled: true, state: "Running", source: "embedded" });
      }
      expect(find(items, "flannel")).toMatchObject({ enabled: true, state: "Running", source: "embedded", critical: true });
      expect(find(items, "flannel")?.message).toMatch(/\/24 pod CIDRs from 10\.42\.0\.0\/16/);
      // --disable-agent (the harness default): no node halves in this process.
      expect(items.filter((s) => s.role === "node")).toEqual([]);
      const table = await runLite(["plugins", "--data-dir", server.dataDir]);
      expect(table.code).toBe(0);
      expect(table.stdout.split("\n")[0]).toMatch(/^PLUGIN\s+ROLE\s+STATE\s+SINCE\s+SOURCE\s+MESSAGE$/);
      expect(table.stdout).toMatch(/coredns\s+server\s+Running\s+\d+s\s+embedded\s+\S/);
      const json = await runLite(["plugins", "--data-dir", server.dataDir, "-o", "json"]);
      expect(JSON.parse(json.stdout).items.length).toBe(items.length);
      expect((await adminGet(server.dataDir, "/readyz")).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test.concurrent("--disable (with the K3s alias) and --disable-agent; flannel backend none is not critical", async () => {
    const server = await startServer(["--disable=traefik,metrics-server", "--disable", "coredns", "--disable-agent", "--flannel-backend", "none"]);
    try {
      const items = await statuses(server.dataDir);
      for (const id of ["traefik", "metrics", "coredns"]) expect(find(items, id)).toMatchObject({ enabled: false, state: "Disabled" });
      expect(items.filter((s) => s.role === "node")).toEqual([]);
      expect(find(items, "flannel")).toMatchObject({ state: "Running", critical: false, message: "backend none: no pod CIDRs assigned; the operator's CNI takes over" });
      expect(server.logs()).not.toContain("plugin=traefik");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test.concurrent("a second server on the same data dir is refused", async () => {
    const server = await startServer();
    try {
      const r = await runLite(["server", "--data-dir", server.dataDir, "--config", `${server.dataDir}/config.yaml`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("another lite process is already running with this data dir");
    } finally {
      await server.stop();
    }
  });

  test.concurrent("lite plugins without a running server says so", async () => {
    const scratch = scratchDir();
    const r = await runLite(["plugins", "--data-dir", scratch.dir]);
    scratch.cleanup();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no running lite answers at");
  });
});

describe("third-party plugins loaded into the compiled binary", () => {
  // The tests with an embedded agent run one at a time, not concurrently: their agents share this
  // file's network namespace, so one test's `lite killall` (run by stop()) deletes the flannel.1 and
  // cni0 the other's agent is using (seen as flannel Degraded: "Cannot find device flannel.1").
  test("with the embedded agent, node halves run: the example plugin (examples/node-facts) serves its admin route and keeps state; flannel writes the CNI config", async () => {
    const server = await startServer([...AGENT_ARGS, "--plugin", `${REPO}/examples/node-facts/index.ts`], {}, { config: NODE_FACTS_CONFIG, agent: true });
    try {
      const items = await statuses(server.dataDir);
      const entry = find(items, "node-facts", "node")!;
      expect(entry).toMatchObject({ state: "Running", source: `${REPO}/examples/node-facts/index.ts`, version: "1.0.0" });
      expect(find(items, "local-storage", "node")).toMatchObject({ state: "Running" });
      // The Node registers, the server half gives it a pod CIDR, the node half writes the conflist.
      let flannel = find(items, "flannel", "node");
      for (let i = 0; i < 100 && flannel?.details?.ready !== true; i++) {
        await Bun.sleep(100);
        flannel = find(await statuses(server.dataDir), "flannel", "node");
      }
      expect(flannel).toMatchObject({ state: "Running", critical: true, message: "pod network ready: 10.42.0.0/24 on bridge cni0" });
      expect(existsSync(`${server.dataDir}/agent/etc/cni/net.d/10-flannel.conflist`)).toBe(true);
      expect(entry.details?.samples).toBe(1);
      const facts = (await (await adminGet(server.dataDir, "/plugins/node-facts/facts")).json()) as Record<string, unknown>;
      expect(facts.samples).toBe(1);
      expect(typeof facts.load1PerCpu).toBe("number");
      expect(existsSync(`${server.dataDir}/agent/plugins/node-facts/last-sample.json`)).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test.concurrent("plugins start in dependency order (independent ones together) and stop in reverse", async () => {
    const scratch = scratchDir();
    const record = `${scratch.dir}/order.log`;
    const server = await startServer(["--plugin", fixture("order-c"), "--plugin", fixture("order-a"), "--plugin", fixture("order-b")], { LITE_TEST_RECORD: record });
    expect(await server.stop()).toBe(0);
    const lines = readFileSync(record, "utf8").trim().split("\n");
    scratch.cleanup();
    expect(lines.slice(0, 2).sort()).toEqual(["start order-a", "start order-b"]);
    expect(lines.indexOf("start order-c")).toBeGreaterThan(lines.indexOf("started order-a"));
    expect(lines.filter((l) => l.startsWith("stop"))).toEqual(["stop order-c", "stop order-b", "stop order-a"]);
  });

  test.concurrent("a dependency cycle is a clear startup error naming the plugins", async () => {
    const scratch = scratchDir();
    const r = await runLite(["server", "--data-dir", scratch.dir, "--config", scratch.config, "--plugin", fixture("cycle-x"), "--plugin", fixture("cycle-y")]);
    scratch.cleanup();
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("lite server: plugins form a dependency cycle: cycle-x -> cycle-y -> cycle-x");
  });

  test.concurrent("a missing plugin file is a clear error", async () => {
    const scratch = scratchDir();
    const r = await runLite(["server", "--data-dir", scratch.dir, "--config", scratch.config, "--plugin", "/nonexistent/plugin.ts"]);
    scratch.cleanup();
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("lite server: --plugin /nonexistent/plugin.ts: file not found");
  });

  test.concurrent("failure isolation: a plugin that throws is Failed, one that crashes later is Degraded, the rest runs", async () => {
    const server = await startServer(["--plugin", fixture("throws-on-start"), "--plugin", fixture("crashes-later"), "--plugin", fixture("order-a")]);
    try {
      // the crashing task fails 200 ms after start; poll rather than guess on a busy machine
      let items = await statuses(server.dataDir);
      for (let i = 0; i < 50 && find(items, "crashes-later")?.state !== "Degraded"; i++) {
        await Bun.sleep(100);
        items = await statuses(server.dataDir);
      }
      expect(find(items, "throws-on-start")).toMatchObject({ state: "Failed", lastError: "cannot reach the frobnicator" });
      expect(find(items, "crashes-later")).toMatchObject({ state: "Degraded", lastError: "task watcher: watch stream broke" });
      expect(find(items, "order-a")?.state).toBe("Running");
      expect(find(items, "flannel")?.state).toBe("Running");
      expect((await adminGet(server.dataDir, "/readyz")).status).toBe(200);
      // Each failure is also a Warning Event in kube-system, on a pseudo-object naming the plugin.
      let events = "";
      for (let i = 0; i < 50 && !(events.includes("PluginFailed") && events.includes("PluginDegraded")); i++) {
        events = (await kubectl(server, ["get", "events", "-n", "kube-system", "-o", "custom-columns=REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message", "--no-headers"])).stdout;
        if (!events.includes("PluginDegraded")) await Bun.sleep(100);
      }
      expect(events).toMatch(/PluginFailed\s+throws-on-start\s+server half: cannot reach the frobnicator/);
      expect(events).toMatch(/PluginDegraded\s+crashes-later\s+server half: task watcher: watch stream broke/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("a critical plugin that fails stops the server with a clear message (embedded agent: not concurrent, see above)", async () => {
    // Its node half fails, like a CNI that cannot set up the node: that needs the embedded agent.
    const server = await startServer([...AGENT_ARGS, "--plugin", fixture("critical-fails")], {}, { waitReady: false, agent: true });
    // Bounded, so a server that does not stop by itself is still stopped (and cleaned) by this test.
    const code = await Promise.race([server.exited, Bun.sleep(60_000).then(() => "still running after 60 s")]);
    const logs = server.logs();
    await server.stop();
    expect(code).toBe(1);
    expect(logs).toContain(`lite server: critical plugin "critical-fails" failed: cannot create bridge cni0; stopped`);
    expect(logs).not.toContain("lite server ready");
  });

  test.concurrent("stop is idempotent: SIGTERM twice stops once, cleanly", async () => {
    const server = await startServer(["--plugin", fixture("slow-stop")]);
    const dataDir = server.dataDir;
    const logs = () => server.logs();
    const code = await server.stop({ twice: true });
    expect(code).toBe(0);
    expect(logs().match(/lite server stopped/g)?.length).toBe(1);
    expect(existsSync(`${dataDir}/admin.sock`)).toBe(false);
  });
});
