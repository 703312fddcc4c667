/**
 * Server exec → Node Ready: the time from spawning `lite server` (embedded agent) to the first watch
 * event showing its Node with Ready=True reported by this run, for a fresh data dir and for a warm
 * start (the same data dir started again, ~1 s after a clean stop). Also prints when the server
 * logged each startup milestone, so the time can be placed.
 *
 *   bun run build && cp dist/lite /tmp/lite-bench   # optional: a copy other sessions will not rebuild
 *   LITE_BIN=/tmp/lite-bench bun bench/kubelet/node-ready.ts [runs=5]
 *
 * Another lite agent on the machine shares the cni0 bridge name; to keep apart from one that does
 * not take the lock, run in a private network namespace, as the runs in RESULTS.md did:
 *   LITE_BIN=/tmp/lite-bench unshare --net sh -c 'ip link set lo up && exec bun bench/kubelet/node-ready.ts [runs=5]'
 *
 * Each run (fresh start, stop, warm start, stop + `lite killall`, data dir removed) holds
 * /tmp/lite-agent.lock. Prints Markdown for RESULTS.md.
 */
import { rmSync } from "node:fs";
import { deadline, loadAvg, machineFacts, type Server, sleep, startServer, summaryRow, SUMMARY_HEADER, waitNodeReady, withAgentLock } from "./lib.ts";

const runs = Number(process.argv[2] ?? 5);
deadline(runs * 240);

/** Log lines marking startup milestones (first match), in the order they usually happen. */
const MILESTONES: [string, RegExp][] = [
  ["API server listening", /API server listening/],
  ["containerd ready", /INFO\s+containerd ready .*pid=/],
  ["images imported", /INFO\s+images imported/],
  ["kubelet API listening", /kubelet API listening/],
  ["node registered (or found)", /node (was previously )?registered/],
  ["lite server ready", /lite server ready/],
  ["CNI config written (flannel)", /wrote the CNI configuration/],
  ["kubelet logs \"node ready\"", /INFO\s+node ready/],
];

interface Sample { readyMs: number; milestones: Map<string, number> }

async function measure(server: Server): Promise<Sample> {
  const ready = await waitNodeReady(server.api, server.spawnedAt);
  // The milestones after Ready (e.g. "lite server ready" on a warm start) are still worth placing.
  await server.waitForLog(/lite server ready/, 20_000).catch(() => undefined);
  await server.waitForLog(/INFO\s+node ready/, 10_000).catch(() => undefined);
  const milestones = new Map<string, number>();
  for (const [label, re] of MILESTONES) {
    const line = server.logs.find((l) => re.test(l.text));
    if (line) milestones.set(label, line.atMs - server.spawnedAt);
  }
  return { readyMs: ready.atMs - server.spawnedAt, milestones };
}

async function run(i: number): Promise<{ fresh: Sample; warm: Sample; load: string }> {
  return withAgentLock(async () => {
    const load = loadAvg();
    const first = await startServer({ agent: true });
    const dir = first.dir;
    try {
      const fresh = await measure(first);
      await first.stop({ keepData: true, keepContainers: true });
      await sleep(1100); // heartbeats are whole seconds: the warm run's must be newer than the last one of this run
      const second = await startServer({ agent: true, dir });
      let warm: Sample;
      try {
        warm = await measure(second);
      } finally {
        await second.stop();
      }
      console.error(`run ${i + 1}: fresh ${Math.round(fresh.readyMs)} ms, warm ${Math.round(warm.readyMs)} ms (load ${load})`);
      return { fresh, warm, load };
    } finally {
      await first.stop(); // no-op when already stopped, except killall and removing the dir
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const facts = await machineFacts();
const samples: { fresh: Sample; warm: Sample; load: string }[] = [];
for (let i = 0; i < runs; i++) samples.push(await run(i));

const table = (pick: (s: { fresh: Sample; warm: Sample }) => Sample) => [
  SUMMARY_HEADER,
  summaryRow("**exec → Node Ready observed (watch)**", samples.map((s) => pick(s).readyMs)),
  ...MILESTONES.map(([label]) => summaryRow(`exec → ${label} (log)`, samples.map((s) => pick(s).milestones.get(label) ?? NaN))),
  summaryRow("gap: lite server ready → kubelet logs \"node ready\"", samples.map((s) => {
    const m = pick(s).milestones;
    return (m.get('kubelet logs "node ready"') ?? NaN) - (m.get("lite server ready") ?? NaN);
  })),
].join("\n");

console.log([
  `### Server exec → Node Ready, ${runs} runs`,
  facts,
  `Load average at the start of each run: ${samples.map((s) => s.load).join(" | ")}.`,
  "",
  "Fresh data dir:",
  "",
  table((s) => s.fresh),
  "",
  "Warm (second start on the same data dir):",
  "",
  table((s) => s.warm),
  "",
].join("\n"));
