import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@lite/sdk";
import type { Attributes } from "../../apiserver/authz/types.ts";
import { connectWebSocket } from "../../apiserver/proxy/websocket-client.ts";
import { EXPOSITION_CONTENT_TYPE } from "../../metrics/registry.ts";
import type { Container, PodSandbox } from "../cri/types.ts";
import { startKubeletServer, type KubeletServer } from "./kubelet-server.ts";
import { ProbeMetrics } from "./metrics/probe-metrics.ts";
import { criRecord, fakeBridges, fakeCri, FakePodView, makeKubeletPki, podObject, waitFor, type Creds, type KubeletTestPki } from "./test-fixtures.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const T0 = Date.UTC(2024, 4, 1, 10);

let dir: string;
let pki: KubeletTestPki;
let server: KubeletServer;
let base: string;
const view = new FakePodView();
const { cri, calls } = fakeCri([
  {
    attributes: { id: "c-app", metadata: { name: "app", attempt: 0 }, labels: {}, annotations: {} },
    cpu: { timestamp: T0 * 1e6, usageCoreNanoSeconds: { value: 5e9 }, usageNanoCores: { value: 1e6 } },
    memory: { timestamp: T0 * 1e6, workingSetBytes: { value: 4096 }, usageBytes: { value: 8192 }, rssBytes: { value: 2048 } },
    writableLayer: { timestamp: T0 * 1e6, usedBytes: { value: 100 }, inodesUsed: { value: 3 } },
  },
], {
  sandboxes: [{ id: "sb-web", state: "SANDBOX_READY" } as PodSandbox, { id: "sb-old", state: "SANDBOX_NOTREADY" } as PodSandbox],
  containers: [{ id: "c-app", state: "CONTAINER_RUNNING" } as Container, { id: "c-crash-3", state: "CONTAINER_EXITED" } as Container],
});
const probeMetrics = new ProbeMetrics();
const fake = fakeBridges();
const decisions: Attributes[] = [];
let appLog: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-kubelet-server-"));
  pki = await makeKubeletPki();
  appLog = join(dir, "app-0.log");
  await writeFile(appLog, criRecord(T0, "hello") + criRecord(T0 + 1000, "oops", "stderr") + criRecord(T0 + 2000, "bye"));
  const crashLog = join(dir, "crash-2.log");
  await writeFile(crashLog, criRecord(T0, "crashed once"));
  view.set({
    pod: podObject("default", "web", ["app", "side", "crash"]),
    sandboxId: "sb-web",
    containers: [
      { name: "app", containerId: "c-app", state: "running", logPath: appLog },
      { name: "side", state: "waiting", waitingReason: "ContainerCreating" },
      { name: "crash", containerId: "c-crash-3", state: "waiting", waitingReason: "CrashLoopBackOff", previousLogPath: crashLog },
    ],
  });
  server = await startKubeletServer({
    port: 0,
    bindAddress: "127.0.0.1",
    tls: { cert: pki.serving.cert, key: pki.serving.key, clientCA: pki.clientCA },
    nodeName: "node-1",
    cri,
    pods: view,
    authorize: async (user, attrs) => {
      decisions.push(attrs);
      return user.username !== "eve";
    },
    authenticateToken: async (token) => (token === "metrics-token" ? { username: "system:serviceaccount:kube-system:metrics", groups: ["system:authenticated"] } : undefined),
    fsPath: dir,
    log: quiet,
    bridges: fake.bridges,
    probeMetrics,
  });
  base = `https://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** GET with a client certificate (the API server's unless told; null: none). */
function get(path: string, creds: Creds | null = pki.apiserver, headers: Record<string, string> = {}) {
  return fetch(base + path, { headers, tls: { ...(creds ?? {}), ca: pki.serverCA } });
}

describe("authentication and authorization", () => {
  test("no credentials: 401", async () => {
    const res = await get("/healthz", null);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("Unauthorized");
  });
  test("a certificate from another CA: 401", async () => {
    expect((await get("/healthz", pki.foreign)).status).toBe(401);
  });
  test("refused by the authorizer: 403 with upstream's text", async () => {
    const res = await get("/containerLogs/default/web/app", pki.eve);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("Forbidden (user=eve, verb=get, resource=nodes, subresource=proxy)");
  });
  test("attributes: nodes/<subresource> named after the node", async () => {
    decisions.length = 0;
    expect((await get("/healthz")).status).toBe(200);
    expect(decisions[0]).toMatchObject({ verb: "get", resource: "nodes", subresource: "proxy", name: "node-1", user: { username: "system:apiserver", groups: ["system:masters", "system:authenticated"] } });
  });
  test("bearer token through authenticateToken", async () => {
    decisions.length = 0;
    const res = await get("/stats/summary?only_cpu_and_memory=true", null, { Authorization: "Bearer metrics-token" });
    expect(res.status).toBe(200);
    expect(decisions[0]).toMatchObject({ subresource: "stats", user: { username: "system:serviceaccount:kube-system:metrics" } });
    expect((await get("/healthz", null, { Authorization: "Bearer wrong" })).status).toBe(401);
  });
});

describe("routes", () => {
  test("/healthz and /pods", async () => {
    expect(await (await get("/healthz")).text()).toBe("ok");
    const list = (await (await get("/pods")).json()) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe("PodList");
    expect(list.items.map((p) => p.metadata.name)).toEqual(["web"]);
  });
  test("unknown path: 404", async () => {
    expect((await get("/nope")).status).toBe(404);
  });
  test("/stats/summary", async () => {
    const s = (await (await get("/stats/summary")).json()) as any;
    expect(s.node.nodeName).toBe("node-1");
    expect(s.node.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(s.node.memory.workingSetBytes).toBeGreaterThan(0);
    expect(s.node.fs.capacityBytes).toBeGreaterThan(0);
    expect(Array.isArray(s.node.network.interfaces)).toBe(true);
    const pod = s.pods[0];
    expect(pod.podRef).toEqual({ name: "web", namespace: "default", uid: "uid-web" });
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({ name: "app", cpu: { usageNanoCores: 1e6, usageCoreNanoSeconds: 5e9 }, memory: { workingSetBytes: 4096 }, rootfs: { usedBytes: 100 } });
    expect(pod.containers[0].logs.usedBytes).toBeGreaterThan(0);
    expect(pod.cpu.usageNanoCores).toBe(1e6);
    expect(pod.memory.workingSetBytes).toBe(4096);
    const only = (await (await get("/stats/summary?only_cpu_and_memory=true")).json()) as any;
    expect(only.node.fs).toBeUndefined();
    expect(only.pods[0].containers[0].rootfs).toBeUndefined();
  });
});

describe("containerLogs", () => {
  test("plain, tail, timestamps, limitBytes, since", async () => {
    const all = await get("/containerLogs/default/web/app");
    expect(all.status).toBe(200);
    expect(all.headers.get("content-type")).toStartWith("text/plain");
    expect(await all.text()).toBe("hello\noops\nbye\n");
    expect(await (await get("/containerLogs/default/web/app?tailLines=1")).text()).toBe("bye\n");
    expect(await (await get("/containerLogs/default/web/app?tailLines=1&timestamps=true")).text()).toBe(`${new Date(T0 + 2000).toISOString()} bye\n`);
    expect(await (await get("/containerLogs/default/web/app?limitBytes=8")).text()).toBe("hello\noo");
    expect(await (await get(`/containerLogs/default/web/app?sinceTime=${new Date(T0 + 1000).toISOString()}`)).text()).toBe("oops\nbye\n");
  });
  test("previous and the last instance of a waiting container", async () => {
    expect(await (await get("/containerLogs/default/web/crash?previous=true")).text()).toBe("crashed once\n");
    expect(await (await get("/containerLogs/default/web/crash")).text()).toBe("crashed once\n");
  });
  test("errors as upstream", async () => {
    const cases: [string, number, string][] = [
      ["/containerLogs/default/web/side", 400, 'container "side" in pod "web" is waiting to start: ContainerCreating'],
      ["/containerLogs/default/web/app?previous=true", 400, 'previous terminated container "app" in pod "web" not found'],
      ["/containerLogs/default/nope/app", 404, 'pod "nope" does not exist'],
      ["/containerLogs/default/web/nope", 404, 'container "nope" not found in pod "web"'],
      ["/containerLogs/default/web/app?tailLines=-1", 422, '{"message": "Invalid request."}'],
    ];
    for (const [path, status, text] of cases) {
      const res = await get(path);
      expect({ path, status: res.status, text: await res.text() }).toEqual({ path, status, text });
    }
  });
  test("follow streams new lines and ends when the container stops", async () => {
    const res = await get("/containerLogs/default/web/app?follow=true&tailLines=1");
    const reader = res.body!.getReader();
    let text = "";
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    await waitFor(() => text === "bye\n");
    await appendFile(appLog, criRecord(T0 + 3000, "more"));
    await waitFor(() => text === "bye\nmore\n");
    const rp = view.get("default", "web")!;
    view.set({ ...rp, containers: rp.containers.map((c) => (c.name === "app" ? { ...c, state: "terminated" as const } : c)) });
    await pump; // the response ends
    expect(text).toBe("bye\nmore\n");
    view.set(rp);
  });
});

describe("exec, attach, portforward", () => {
  /** A WebSocket to the kubelet and its messages as a queue. */
  async function open(path: string, protocols: string[]) {
    const queue: Uint8Array[] = [];
    let closeCode: number | undefined;
    const hs = await connectWebSocket(`wss://127.0.0.1:${server.port}${path}`, { protocols, tls: { ...pki.apiserver, ca: pki.serverCA } }, {
      message: (m) => void queue.push(typeof m === "string" ? new TextEncoder().encode(m) : m),
      close: (code) => void (closeCode = code),
    });
    if (!hs.ok) throw new Error(`refused: ${hs.status} ${hs.body}`);
    const next = async () => {
      await waitFor(() => queue.length > 0);
      return queue.shift()!;
    };
    const closed = async () => {
      await waitFor(() => closeCode !== undefined);
      return closeCode!;
    };
    return { ws: hs.connection, first: await next(), next, closed };
  }
  const started = (first: Uint8Array) => JSON.parse(new TextDecoder().decode(first.subarray(1)));

  test("exec: CRI Exec with the kubelet's query, bridged with the negotiated protocol", async () => {
    const conn = await open("/exec/default/web/app?command=sh&command=-c&command=echo%20hi&input=1&output=1&error=1&tty=1", ["v5.channel.k8s.io", "v4.channel.k8s.io"]);
    const { ws, first } = conn;
    expect(ws.protocol).toBe("v5.channel.k8s.io");
    expect(started(first)).toEqual({ kind: "exec", protocol: "v5.channel.k8s.io", url: "fake://exec/1", opts: { stdin: true, stdout: true, stderr: false, tty: true } });
    expect(calls.exec[0]).toEqual({ containerId: "c-app", cmd: ["sh", "-c", "echo hi"], stdin: true, stdout: true, stderr: false, tty: true });
    ws.send(Uint8Array.from([0, 104, 105]));
    expect([...(await conn.next())]).toEqual([1, 104, 105]);
    ws.send(Uint8Array.from([255, 0]));
    expect(await conn.closed()).toBe(1000);
  });
  test("attach with v4", async () => {
    const { ws, first } = await open("/attach/default/web/app?output=1&error=1", ["v4.channel.k8s.io"]);
    expect(started(first)).toMatchObject({ kind: "exec", protocol: "v4.channel.k8s.io", url: "fake://attach/1" });
    expect(calls.attach[0]).toEqual({ containerId: "c-app", stdin: false, stdout: true, stderr: true, tty: false });
    ws.close();
  });
  test("exec for SPDY clients: SPDY/3.1+<stream protocol> starts the byte tunnel to containerd with that protocol", async () => {
    const { ws, first } = await open("/exec/default/web/app?command=ls&output=1", ["SPDY/3.1+v4.channel.k8s.io", "SPDY/3.1+v3.channel.k8s.io"]);
    expect(started(first)).toMatchObject({ kind: "spdy-tunnel", protocol: "SPDY/3.1+v4.channel.k8s.io", streamProtocol: "v4.channel.k8s.io" });
    ws.close();
  });
  test("portforward: SPDY tunnel and WebSocket channels", async () => {
    const spdy = await open("/portforward/default/web", ["SPDY/3.1+portforward.k8s.io"]);
    expect(started(spdy.first)).toEqual({ kind: "spdy-portforward", protocol: "SPDY/3.1+portforward.k8s.io" });
    spdy.ws.close();
    const ws = await open("/portforward/default/web?port=80", ["v5.channel.k8s.io", "v4.channel.k8s.io"]);
    expect(started(ws.first)).toEqual({ kind: "ws-portforward", protocol: "v4.channel.k8s.io", ports: [80] });
    ws.ws.close();
    await waitFor(() => calls.portForward.length === 2);
    expect(calls.portForward).toEqual([{ podSandboxId: "sb-web", port: [8080] }, { podSandboxId: "sb-web", port: [80] }]);
    await waitFor(() => fake.closed >= 4);
  });
  test("refusals before the upgrade", async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ["/exec/default/web/app?command=ls&output=1", {}, 426, "Upgrade request required"],
      ["/exec/default/web/side?command=ls&output=1", {}, 500, 'container not found ("side")'],
      ["/exec/default/web/app?command=ls", {}, 400, "you must specify at least 1 of stdin, stdout, stderr"],
      ["/exec/default/nope/app?command=ls&output=1", {}, 404, "pod does not exist"],
      ["/portforward/default/web", {}, 426, "Upgrade request required"],
    ];
    for (const [path, headers, status, text] of cases) {
      const res = await get(path, pki.apiserver, headers);
      expect({ path, status: res.status, text: await res.text() }).toEqual({ path, status, text });
    }
    await expect(open("/exec/default/web/app?command=ls&output=1", ["v3.channel.k8s.io"])).rejects.toThrow(
      "refused: 400 unable to upgrade: unable to negotiate protocol: client supports [v3.channel.k8s.io], server supports [v5.channel.k8s.io v4.channel.k8s.io]",
    );
    await expect(open("/portforward/default/web", ["v4.channel.k8s.io"])).rejects.toThrow(`refused: 400 query parameter "port" is required`);
  });
});

/**
 * What metrics-server's decoder (pkg/scraper/client/resource/decode.go) takes from /metrics/resource:
 * series matched by name, the container/pod/namespace labels found by their `name="` prefix, the
 * sample's own timestamp (ms); a node needs a timestamp, CPU and memory, a container both > 0.
 */
function metricsServerDecode(text: string) {
  const node = { cpu: 0, memory: 0, timestampMs: 0 };
  const containers = new Map<string, { cpu: number; memory: number; timestampMs: number; startTime?: number }>();
  const label = (labels: string, name: string) => { const i = labels.indexOf(`${name}="`) + name.length + 2; return labels.slice(i, labels.indexOf('"', i)); };
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)(?:\s+(\d+))?$/.exec(line);
    if (!m) continue;
    const [, name, labels = "", value, ts] = m;
    const v = Number(value), t = ts ? Number(ts) : Date.now();
    if (name === "node_cpu_usage_seconds_total") Object.assign(node, { cpu: Math.trunc(v * 1e9), timestampMs: t });
    else if (name === "node_memory_working_set_bytes") Object.assign(node, { memory: v, timestampMs: t });
    else if (name!.startsWith("container_")) {
      const key = `${label(labels, "namespace")}/${label(labels, "pod")}/${label(labels, "container")}`;
      const c = containers.get(key) ?? { cpu: 0, memory: 0, timestampMs: 0 };
      containers.set(key, c);
      if (name === "container_cpu_usage_seconds_total") Object.assign(c, { cpu: Math.trunc(v * 1e9), timestampMs: t });
      if (name === "container_memory_working_set_bytes") Object.assign(c, { memory: v, timestampMs: t });
      if (name === "container_start_time_seconds") c.startTime = v;
    }
  }
  return { node, containers };
}

describe("Prometheus endpoints", () => {
  const scrape = async (path: string) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(EXPOSITION_CONTENT_TYPE);
    return res.text();
  };

  test("authorized as nodes/metrics: a user without it gets 403", async () => {
    decisions.length = 0;
    for (const path of ["/metrics", "/metrics/resource", "/metrics/cadvisor", "/metrics/probes"]) {
      const res = await get(path, pki.eve);
      expect({ path, status: res.status, text: await res.text() }).toEqual({ path, status: 403, text: "Forbidden (user=eve, verb=get, resource=nodes, subresource=metrics)" });
    }
    expect(decisions.map((d) => d.subresource)).toEqual(["metrics", "metrics", "metrics", "metrics"]);
    expect((await get("/metrics/nope")).status).toBe(404);
  });

  test("/metrics/resource: the fake runtime's stats, exactly; metrics-server finds node and container CPU and memory", async () => {
    const text = await scrape("/metrics/resource");
    const lines = text.split("\n");
    const labels = 'container="app",namespace="default",pod="web"';
    expect(lines).toContain(`container_cpu_usage_seconds_total{${labels}} 5 ${T0}`);
    expect(lines).toContain(`container_memory_working_set_bytes{${labels}} 4096 ${T0}`);
    expect(lines).toContain(`container_start_time_seconds{${labels}} ${T0 / 1000}`);
    expect(lines).toContain("resource_scrape_error 0");
    expect(lines).toContain("# TYPE node_cpu_usage_seconds_total counter");
    expect(lines.find((l) => l.startsWith("pod_cpu_usage_seconds_total"))).toMatch(/^pod_cpu_usage_seconds_total\{namespace="default",pod="web"\} 5 \d{13}$/);
    expect(lines.find((l) => l.startsWith("pod_memory_working_set_bytes"))).toMatch(/^pod_memory_working_set_bytes\{namespace="default",pod="web"\} 4096 \d{13}$/);
    expect(lines.find((l) => l.startsWith("node_swap_usage_bytes "))).toMatch(/^node_swap_usage_bytes \d+ \d{13}$/);

    const decoded = metricsServerDecode(text);
    expect(decoded.node.cpu).toBeGreaterThan(0);
    expect(decoded.node.memory).toBeGreaterThan(0);
    expect(Math.abs(decoded.node.timestampMs - Date.now())).toBeLessThan(60_000);
    expect(decoded.containers.get("default/web/app")).toEqual({ cpu: 5e9, memory: 4096, timestampMs: T0, startTime: T0 / 1000 });
  });

  test("/metrics/cadvisor: the running container with cAdvisor's labels, the root cgroup, the machine", async () => {
    const lines = (await scrape("/metrics/cadvisor")).split("\n");
    // The fake container has no process on this machine: its cgroup (id) is unknown.
    const labels = 'container="app",id="",image="busybox",name="c-app",namespace="default",pod="web"';
    expect(lines).toContain(`container_cpu_usage_seconds_total{container="app",cpu="total",id="",image="busybox",name="c-app",namespace="default",pod="web"} 5 ${T0}`);
    expect(lines).toContain(`container_memory_working_set_bytes{${labels}} 4096 ${T0}`);
    expect(lines).toContain(`container_memory_usage_bytes{${labels}} 8192 ${T0}`);
    expect(lines).toContain(`container_memory_rss{${labels}} 2048 ${T0}`);
    expect(lines).toContain(`container_spec_memory_limit_bytes{${labels}} 0`);
    expect(lines).toContain(`container_spec_cpu_shares{${labels}} 2`);
    expect(lines).toContain("container_scrape_error 0");
    expect(lines.some((l) => l.startsWith('container_memory_working_set_bytes{container="",id="/",'))).toBe(true);
    expect(lines.find((l) => l.startsWith("machine_cpu_cores{"))).toMatch(/^machine_cpu_cores\{boot_id="[^"]*",machine_id="[^"]*",system_uuid="[^"]*"\} [1-9]\d* \d{13}$/);
    expect(lines.some((l) => l.includes('name="c-crash-3"'))).toBe(false); // not running
  });

  test("/metrics: node name, runtime counts, this process; /metrics/probes", async () => {
    const lines = (await scrape("/metrics")).split("\n");
    expect(lines).toContain('kubelet_node_name{node="node-1"} 1');
    expect(lines).toContain("kubelet_running_pods 1");
    expect(lines).toContain('kubelet_running_containers{container_state="running"} 1');
    expect(lines).toContain('kubelet_running_containers{container_state="exited"} 1');
    expect(lines.find((l) => l.startsWith("process_start_time_seconds "))).toMatch(/^process_start_time_seconds \d+(\.\d+)?$/);
    expect(lines.find((l) => l.startsWith("process_resident_memory_bytes "))).toMatch(/^process_resident_memory_bytes [1-9]\d*$/);
    expect(lines).toContain("# TYPE process_cpu_seconds_total counter");
    expect(lines.find((l) => l.startsWith("process_open_fds "))).toMatch(/^process_open_fds [1-9]\d*$/);

    expect(await scrape("/metrics/probes")).toBe("");
    probeMetrics.observe({ namespace: "default", name: "web", uid: "uid-web" }, "app", "readiness", "success");
    expect((await scrape("/metrics/probes")).split("\n")).toContain(
      'prober_probe_total{container="app",namespace="default",pod="web",pod_uid="uid-web",probe_type="Readiness",result="successful"} 1',
    );
  });
});
