/**
 * Pod startup latency through the embedded agent: create → Running as observed by a watch, split by
 * phase (see pod-timeline.ts; the "split" rows come from containerd's log of each CRI call), for N sequential pods (each created once the one before runs; all
 * stay running) and then, after deleting them, a burst of M pods created at once.
 *
 *   bun run build && cp dist/lite /tmp/lite-bench   # optional: a copy other sessions will not rebuild
 *   LITE_BIN=/tmp/lite-bench bun bench/kubelet/pod-startup.ts [sequential=50] [burst=100] [rounds=1]
 * (burst 0: sequential only.)
 *
 * Another lite agent on the machine shares the cni0 bridge name; to keep apart from one that does
 * not take the lock, run in a private network namespace, as the runs in RESULTS.md did:
 *   LITE_BIN=/tmp/lite-bench unshare --net sh -c 'ip link set lo up && exec bun bench/kubelet/pod-startup.ts [sequential=50] [burst=100] [rounds=1]'
 *
 * Each round starts a fresh `lite server` (embedded agent, loopback, OS-assigned ports) while
 * holding /tmp/lite-agent.lock, waits for the Node to be Ready, runs one warm-up pod (not counted),
 * measures, deletes the pods, and stops the server with `lite killall`. Prints Markdown for
 * RESULTS.md; KUBELET_BENCH_JSON=FILE also writes every pod's raw timeline, KUBELET_BENCH_KEEP_LOGS=DIR
 * keeps each round's lite and containerd logs.
 */
import { createCriClient } from "../../core/agent/cri/client.ts";
import type { CriClient } from "../../core/agent/cri/types.ts";
import { agentPaths } from "../../core/agent/paths.ts";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseCriCalls } from "./containerd-log.ts";
import { findOwnContainerd } from "../../core/agent/containerd/own-processes.ts";
import { findShims } from "../../core/agent/killall/shims.ts";
import type { AgentPaths } from "../../core/agent/paths.ts";
import {
  type Api, deadline, machineCpuMs, processCpuMs, ensureDefaultServiceAccount, f0, loadAvg, machineFacts, nowMs, sleep, sleeperPod, startServer,
  summarize, summaryRow, SUMMARY_HEADER, waitNodeReady, withAgentLock,
} from "./lib.ts";
import { newTimeline, observe, phases, type Phases, type PodTimeline } from "./pod-timeline.ts";

const sequential = Number(process.argv[2] ?? 50);
const burst = Number(process.argv[3] ?? 100);
const rounds = Number(process.argv[4] ?? 1);
const NS = "default";
const POD_TIMEOUT_MS = 120_000;
deadline(rounds * 900);

/** Follows the namespace's pods: milestones per pod, waiters for Running and for deletion. */
class PodWatch {
  readonly timelines = new Map<string, PodTimeline>();
  readonly uids = new Map<string, string>();
  private lastStatus = new Map<string, string>();
  private waiters = new Set<() => void>();
  private stopWatch: () => void = () => {};

  async start(api: Api): Promise<void> {
    const list = await api.request("GET", `/api/v1/namespaces/${NS}/pods`);
    const w = api.watch(`/api/v1/namespaces/${NS}/pods`, `resourceVersion=${list.metadata.resourceVersion}`, (ev, at) => {
      const pod = ev.object;
      const name: string = pod?.metadata?.name ?? "";
      if (ev.type === "DELETED") {
        this.lastStatus.delete(name);
        this.uids.delete(name);
      } else {
        const t = this.timelines.get(name);
        if (t) observe(t, pod, at, this.lastStatus.get(name));
        this.lastStatus.set(name, JSON.stringify(pod.status ?? {}));
        this.uids.set(name, pod.metadata.uid);
      }
      for (const wake of this.waiters) wake();
    });
    w.ended.catch((err) => console.error("pod watch failed:", err));
    this.stopWatch = w.close;
  }

  close(): void { this.stopWatch(); }

  until(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    return new Promise((ok, fail) => {
      const check = () => { if (done()) { this.waiters.delete(check); clearTimeout(timer); ok(); } };
      const timer = setTimeout(() => { this.waiters.delete(check); fail(new Error(`timed out: ${what()}`)); }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Creates the pod and returns its timeline (milestones fill in as events arrive). */
  async create(api: Api, name: string): Promise<PodTimeline> {
    const t = newTimeline(name, nowMs());
    this.timelines.set(name, t);
    const created = await api.request("POST", `/api/v1/namespaces/${NS}/pods`, sleeperPod(name));
    t.created = nowMs();
    this.uids.set(name, created.metadata.uid);
    return t;
  }

  running(names: string[], timeoutMs = POD_TIMEOUT_MS): Promise<void> {
    const pending = () => names.filter((n) => this.timelines.get(n)?.phaseRunning === undefined);
    return this.until(() => pending().length === 0, timeoutMs, () => `pods not Running: ${pending().slice(0, 5).join(", ")} (${pending().length})`);
  }

  /** Deletes the pods and waits until the API has none of them (the kubelet confirmed each stopped). */
  async deleteAll(api: Api, names: string[]): Promise<number> {
    const t0 = nowMs();
    await Promise.all(names.map((n) => api.request("DELETE", `/api/v1/namespaces/${NS}/pods/${n}`, undefined, [200, 202, 404])));
    await this.until(() => names.every((n) => !this.uids.has(n)), POD_TIMEOUT_MS, () => `pods not deleted: ${names.filter((n) => this.uids.has(n)).length}`);
    return nowMs() - t0;
  }
}

/** Fills each timeline's CRI call times from containerd's log. */
function readRuntimeCalls(logPath: string, watch: PodWatch, names: string[]): void {
  const calls = parseCriCalls(readFileSync(logPath, "utf8"));
  for (const name of names) {
    const t = watch.timelines.get(name);
    const uid = watch.uids.get(name);
    if (t && uid) t.runtime = calls.get(uid);
  }
}

/** Waits until the runtime has no ready sandbox left (the kubelet tore every pod down); describes the outcome. */
async function waitRuntimeIdle(cri: CriClient, timeoutMs = 120_000): Promise<string> {
  const t0 = nowMs();
  for (;;) {
    const ready = await cri.listPodSandbox({ state: { state: "SANDBOX_READY" } });
    if (ready.length === 0) return `runtime idle ${f0(nowMs() - t0)} ms later`;
    if (nowMs() - t0 > timeoutMs) {
      return `**${ready.length} sandboxes still ready ${f0(timeoutMs / 1000)} s later** (${ready.slice(0, 5).map((s) => s.metadata.name).join(", ")}…)`;
    }
    await sleep(200);
  }
}

/**
 * Starts CPU accounting; the returned function describes the CPU used since: lite (the server
 * process), containerd (with the CNI plugins it ran and reaped), the shims (with the runc
 * invocations they reaped), this benchmark process, and the whole machine (the rest is other
 * tenants and kernel threads).
 */
function cpuAccount(serverPid: number, paths: AgentPaths): () => string {
  const containerd = findOwnContainerd(paths)[0] ?? -1;
  const shims = () => new Map(findShims(paths.containerdSocket).map((t) => [t.shim.pid, processCpuMs(t.shim.pid)]));
  const self = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const t0 = { wall: nowMs(), lite: processCpuMs(serverPid), containerd: processCpuMs(containerd), shims: shims(), machine: machineCpuMs(), self: self() };
  return () => {
    const wall = nowMs() - t0.wall;
    const endShims = shims();
    let shimMs = 0;
    for (const [pid, ms] of endShims) shimMs += ms - (t0.shims.get(pid) ?? 0);
    const m = machineCpuMs();
    const s = (ms: number) => (ms / 1000).toFixed(1);
    return `CPU over ${s(wall)} s of wall time (machine capacity ${s(m.total - t0.machine.total)} core-s): lite ${s(processCpuMs(serverPid) - t0.lite)} s, ` +
      `containerd+CNI ${s(processCpuMs(containerd) - t0.containerd)} s, shims+runc ${s(shimMs)} s, this benchmark ${s(self() - t0.self)} s, machine busy ${s(m.busy - t0.machine.busy)} s`;
  };
}

const PHASE_ROWS: [keyof Phases, string][] = [
  ["total", "**create → Running observed**"],
  ["scheduling", "create → bound observed (scheduling)"],
  ["sandboxSeen", "bound → PodReadyToStartContainers observed (sandbox)"],
  ["containerSeen", "→ container running observed (container start)"],
  ["statusSeen", "→ phase Running observed (status)"],
  ["kubeletToSandbox", "split: bound observed → RunPodSandbox called (kubelet; < 0: it hears of the binding before our watch)"],
  ["runPodSandbox", "split: RunPodSandbox (containerd: snapshot, CNI, pause task)"],
  ["kubeletToCreate", "split: → CreateContainer called (kubelet)"],
  ["createContainer", "split: CreateContainer (containerd)"],
  ["kubeletToStart", "split: → StartContainer called (kubelet)"],
  ["startContainer", "split: StartContainer (containerd: runc task)"],
  ["statusReport", "split: StartContainer returned → Running observed (status write + watch)"],
];

function phaseTable(ts: PodTimeline[]): string {
  const ps = ts.map(phases);
  const rows = PHASE_ROWS.map(([k, label]) => summaryRow(label, ps.map((p) => p[k] ?? NaN)));
  const writes = summarize(ts.map((t) => t.statusWrites));
  return `${SUMMARY_HEADER}\n${rows.join("\n")}\n\nKubelet status writes seen per pod up to Running: median ${writes.p50}, max ${writes.max}.`;
}

interface RoundResult { sequential: PodTimeline[]; burst: PodTimeline[]; burstAllRunningMs: number; burstCreateSpanMs: number; notes: string[] }

async function round(index: number): Promise<RoundResult> {
  return withAgentLock(async () => {
    const notes: string[] = [`load avg at start ${loadAvg()}`];
    const server = await startServer({ agent: true });
    const paths = agentPaths(server.dir);
    const cri = createCriClient(paths.containerdSocket);
    const logPath = paths.containerdLog;
    const watch = new PodWatch();
    try {
      await server.waitForLog(/lite server ready/);
      await waitNodeReady(server.api, server.spawnedAt);
      await ensureDefaultServiceAccount(server.api);
      await watch.start(server.api);

      await watch.create(server.api, "warmup");
      await watch.running(["warmup"]);
      notes.push(`warm-up pod create → Running ${f0(phases(watch.timelines.get("warmup")!).total ?? NaN)} ms`);

      const seqCpu = cpuAccount(server.pid, paths);
      const seq: PodTimeline[] = [];
      for (let i = 0; i < sequential; i++) {
        const t = await watch.create(server.api, `seq-${i}`);
        await watch.running([t.name]);
        seq.push(t);
      }
      notes.push(`sequential: ${seqCpu()}`);
      readRuntimeCalls(logPath, watch, seq.map((t) => t.name));
      notes.push(`load avg after sequential ${loadAvg()}`);
      const delMs = await watch.deleteAll(server.api, ["warmup", ...seq.map((t) => t.name)]);
      notes.push(`deleting ${sequential + 1} pods: gone from the API in ${f0(delMs)} ms, ${await waitRuntimeIdle(cri)}`);
      if (burst === 0) return { sequential: seq, burst: [], burstAllRunningMs: NaN, burstCreateSpanMs: NaN, notes };
      await sleep(3000); // let the agent settle before the burst

      const names = Array.from({ length: burst }, (_, i) => `burst-${i}`);
      const burstCpu = cpuAccount(server.pid, paths);
      const t0 = nowMs();
      const bt = await Promise.all(names.map((n) => watch.create(server.api, n)));
      const createSpan = nowMs() - t0;
      // A burst that overwhelms the node is a result, not a crash: note the stragglers and go on.
      const stuck = await watch.running(names).then(() => "", (err: Error) => err.message);
      if (stuck) notes.push(`**burst: ${stuck} after ${POD_TIMEOUT_MS / 1000} s**`);
      const allRunning = stuck ? NaN : Math.max(...bt.map((t) => t.phaseRunning!)) - t0;
      notes.push(`burst: ${burstCpu()}`);
      readRuntimeCalls(logPath, watch, names);
      notes.push(`load avg after burst ${loadAvg()}`);
      const delBurst = await watch.deleteAll(server.api, names);
      notes.push(`deleting ${burst} pods: gone from the API in ${f0(delBurst)} ms, ${await waitRuntimeIdle(cri)}`);
      console.error(`round ${index + 1}: sequential p50 ${f0(summarize(seq.map((t) => phases(t).total!)).p50)} ms, burst all Running ${f0(allRunning)} ms`);
      return { sequential: seq, burst: bt, burstAllRunningMs: allRunning, burstCreateSpanMs: createSpan, notes };
    } finally {
      const keep = process.env.KUBELET_BENCH_KEEP_LOGS;
      if (keep) {
        mkdirSync(keep, { recursive: true });
        writeFileSync(`${keep}/round-${index + 1}-lite.log`, server.logs.map((l) => l.text).join("\n"));
        copyFileSync(logPath, `${keep}/round-${index + 1}-containerd.log`);
        // What the API shows of pods that are not Running, and the events: why a pod is stuck.
        const stuck = await server.api.request("GET", `/api/v1/namespaces/${NS}/pods`).then((l) => l.items.filter((p: any) => p.status?.phase !== "Running")).catch(String);
        const events = await server.api.request("GET", `/api/v1/namespaces/${NS}/events`).then((l) => l.items).catch(String);
        writeFileSync(`${keep}/round-${index + 1}-api.json`, JSON.stringify({ stuck, events }, null, 1));
      }
      watch.close();
      cri.close();
      await server.stop();
    }
  });
}

function roundSection(r: RoundResult, i: number): string {
  return [
    `Round ${i + 1}: ${r.notes.join("; ")}.`, "",
    `${sequential} sequential pods:`, "", phaseTable(r.sequential), "",
    ...(burst === 0 ? [] : [`Burst of ${burst} (creates sent over ${f0(r.burstCreateSpanMs)} ms): **all Running ${Number.isNaN(r.burstAllRunningMs) ? `not reached in ${POD_TIMEOUT_MS / 1000} s` : `${f0(r.burstAllRunningMs)} ms`}** after the first create.`, "",
    phaseTable(r.burst), ""]),
  ].join("\n");
}

// Each round is printed when it ends, so a failing later round does not lose the earlier ones.
console.log(`### Pod startup: ${sequential} sequential pods, burst of ${burst}, ${rounds} round(s)\n${await machineFacts()}\n`);
const results: RoundResult[] = [];
for (let i = 0; i < rounds; i++) {
  results.push(await round(i));
  console.log(roundSection(results[i]!, i));
  if (process.env.KUBELET_BENCH_JSON) await Bun.write(process.env.KUBELET_BENCH_JSON, JSON.stringify(results, null, 1));
}
if (rounds > 1) {
  console.log([
    `All rounds pooled, sequential (${rounds} × ${sequential}):`, "", phaseTable(results.flatMap((r) => r.sequential)), "",
    ...(burst === 0 ? [] : [`Burst all Running per round (ms): ${results.map((r) => f0(r.burstAllRunningMs)).join(", ")}.`, ""]),
  ].join("\n"));
}
