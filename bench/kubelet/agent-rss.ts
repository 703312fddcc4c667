/**
 * Memory of the node agent: VmRSS (and RssAnon) of the `lite server` process, of its containerd and
 * of containerd's shims (informational), idle (Node Ready, no pods), with N running pods, and after
 * deleting them again (what the process keeps).
 *
 * In `lite server` the agent shares its process with the control plane, so the agent's share is
 * estimated as RSS(server with agent) − RSS(server with --disable-agent) in the same state: the
 * --disable-agent server gets the same N pods (they stay Pending: it has no node), so the API
 * server's cache holds as many pod objects in both cases.
 *
 *   bun run build && cp dist/lite /tmp/lite-bench   # optional: a copy other sessions will not rebuild
 *   LITE_BIN=/tmp/lite-bench bun bench/kubelet/agent-rss.ts [pods=50] [rounds=3] [settleSeconds=20]
 *
 * Another lite agent on the machine shares the cni0 bridge name; to keep apart from one that does
 * not take the lock, run in a private network namespace, as the runs in RESULTS.md did:
 *   LITE_BIN=/tmp/lite-bench unshare --net sh -c 'ip link set lo up && exec bun bench/kubelet/agent-rss.ts [pods=50] [rounds=3] [settleSeconds=20]'
 *
 * Each state is sampled 10 times, 1 s apart, after `settleSeconds`; a state's figure is the median of
 * its samples, and the table shows the median (and min-max) over rounds. The server with the agent
 * runs holding /tmp/lite-agent.lock and is stopped with `lite killall`.
 */
import { findOwnContainerd } from "../../core/agent/containerd/own-processes.ts";
import { findShims } from "../../core/agent/killall/shims.ts";
import { agentPaths } from "../../core/agent/paths.ts";
import {
  type Api, deadline, ensureDefaultServiceAccount, f1, loadAvg, machineFacts, median, nowMs, processMemKiB, processPssKiB, type Server, sleep,
  sleeperPod, startServer, summarize, waitNodeReady, withAgentLock,
} from "./lib.ts";

const pods = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 3);
const settleMs = Number(process.argv[4] ?? 20) * 1000;
deadline(rounds * (900 + (6 * settleMs) / 1000));

interface Mem { lite: number; liteAnon: number; containerd: number; shims: number; shimsPss: number; shimCount: number }

/** 10 samples 1 s apart; the median of each figure, in MiB. */
async function sampleMem(server: Server): Promise<Mem> {
  const paths = agentPaths(server.dir);
  const xs: Mem[] = [];
  for (let i = 0; i < 10; i++) {
    const lite = processMemKiB(server.pid);
    const containerd = server.agent ? findOwnContainerd(paths).reduce((sum, pid) => sum + processMemKiB(pid).rss, 0) : NaN;
    const shims = server.agent ? findShims(paths.containerdSocket) : [];
    const shimSum = (f: (pid: number) => number) => shims.reduce((sum, t) => sum + f(t.shim.pid), 0);
    xs.push({ lite: lite.rss, liteAnon: lite.anon, containerd, shims: shimSum((pid) => processMemKiB(pid).rss), shimsPss: shimSum(processPssKiB), shimCount: shims.length });
    await sleep(1000);
  }
  const mib = (pick: (m: Mem) => number) => median(xs.map(pick)) / 1024;
  return { lite: mib((m) => m.lite), liteAnon: mib((m) => m.liteAnon), containerd: mib((m) => m.containerd), shims: mib((m) => m.shims), shimsPss: mib((m) => m.shimsPss), shimCount: median(xs.map((m) => m.shimCount)) };
}

/** Creates the pods; with `running`, waits until every one is Running (polling the list). */
async function createPods(api: Api, running: boolean): Promise<void> {
  await ensureDefaultServiceAccount(api);
  for (let i = 0; i < pods; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, pods - i) }, (_, k) => api.request("POST", "/api/v1/namespaces/default/pods", sleeperPod(`rss-${i + k}`))));
  }
  const giveUp = nowMs() + 300_000;
  while (running) {
    const list = await api.request("GET", "/api/v1/namespaces/default/pods?labelSelector=bench%3Dkubelet");
    const up = list.items.filter((p: any) => p.status?.phase === "Running").length;
    if (up === pods) break;
    if (nowMs() > giveUp) throw new Error(`only ${up}/${pods} pods Running after 5 min`);
    await sleep(500);
  }
}

/** Deletes the pods and waits until the API has none left. */
async function deletePods(api: Api): Promise<void> {
  await Promise.all(Array.from({ length: pods }, (_, i) => api.request("DELETE", `/api/v1/namespaces/default/pods/rss-${i}`, undefined, [200, 202, 404])));
  const giveUp = nowMs() + 300_000;
  for (;;) {
    const left = (await api.request("GET", "/api/v1/namespaces/default/pods?labelSelector=bench%3Dkubelet")).items.length;
    if (left === 0) return;
    if (nowMs() > giveUp) throw new Error(`${left} pods still there 5 min after deleting them`);
    await sleep(500);
  }
}

interface States { idle: Mem; withPods: Mem; after: Mem }
interface Round { agent: States; plain: States; load: string[] }

async function withAgent(): Promise<States & { load: string[] }> {
  return withAgentLock(async () => {
    const load = [loadAvg()];
    const server = await startServer({ agent: true });
    try {
      await server.waitForLog(/lite server ready/);
      await waitNodeReady(server.api, server.spawnedAt);
      await sleep(settleMs);
      const idle = await sampleMem(server);
      await createPods(server.api, true);
      await sleep(settleMs);
      const withPods = await sampleMem(server);
      await deletePods(server.api);
      await sleep(settleMs);
      const after = await sampleMem(server);
      load.push(loadAvg());
      return { idle, withPods, after, load };
    } finally {
      await server.stop();
    }
  });
}

async function withoutAgent(): Promise<States> {
  const server = await startServer({ agent: false });
  try {
    await server.waitForLog(/lite server ready/);
    await sleep(settleMs);
    const idle = await sampleMem(server);
    await createPods(server.api, false);
    await sleep(settleMs);
    const withPods = await sampleMem(server);
    await deletePods(server.api);
    await sleep(settleMs);
    return { idle, withPods, after: await sampleMem(server) };
  } finally {
    await server.stop();
  }
}

const facts = await machineFacts();
const results: Round[] = [];
for (let r = 0; r < rounds; r++) {
  const a = await withAgent();
  const p = await withoutAgent();
  results.push({ agent: a, plain: p, load: a.load });
  console.error(`round ${r + 1}: lite idle ${f1(a.idle.lite)} MiB (no agent ${f1(p.idle.lite)}), with ${pods} pods ${f1(a.withPods.lite)} MiB (no agent ${f1(p.withPods.lite)}), after ${f1(a.after.lite)} (no agent ${f1(p.after.lite)}); containerd ${f1(a.idle.containerd)} / ${f1(a.withPods.containerd)} MiB`);
}

/** "median (min-max)" over rounds. */
const cell = (pick: (r: Round) => number) => {
  const s = summarize(results.map(pick));
  return rounds > 1 ? `${f1(s.p50)} (${f1(s.min)}-${f1(s.max)})` : f1(s.p50);
};
const STATES: (keyof States)[] = ["idle", "withPods", "after"];
const row = (label: string, pick: (st: States, r: Round, state: keyof States) => number) =>
  `| ${label} | ${STATES.map((k) => cell((r) => pick(r.agent, r, k))).join(" | ")} |`;
console.log([
  `### Agent memory: idle, with ${pods} running pods, after deleting them; ${rounds} round(s), settle ${settleMs / 1000} s`,
  facts,
  `Load average (with-agent server: start → end of sampling) per round: ${results.map((r) => r.load.join(" → ")).join(" | ")}.`,
  "",
  `| MiB (median over rounds, min-max) | idle (Node Ready, no pods) | ${pods} pods | after deleting them |`,
  "|---|---|---|---|",
  row("lite server with agent, VmRSS", (_, r, k) => r.agent[k].lite),
  row(`lite server --disable-agent, VmRSS (${pods} Pending pods in the second column)`, (_, r, k) => r.plain[k].lite),
  row("**agent's share: the difference, VmRSS**", (_, r, k) => r.agent[k].lite - r.plain[k].lite),
  row("lite server with agent, RssAnon", (_, r, k) => r.agent[k].liteAnon),
  row("lite server --disable-agent, RssAnon", (_, r, k) => r.plain[k].liteAnon),
  row("agent's share, RssAnon", (_, r, k) => r.agent[k].liteAnon - r.plain[k].liteAnon),
  row("containerd, VmRSS", (_, r, k) => r.agent[k].containerd),
  row("shims, total VmRSS", (_, r, k) => r.agent[k].shims),
  row("shims, total Pss (shared pages split)", (_, r, k) => r.agent[k].shimsPss),
  row("shims, count", (_, r, k) => r.agent[k].shimCount),
  "",
].join("\n"));
