/**
 * A large Deployment from `kubectl apply` to every pod Ready, against dist/lite.
 *   bun bench/scheduler/deployment-bench.ts [replicas=1000] [nodes=100]
 * The node simulator runs in a separate process (tests/sim/node-sim.ts, pods Running/Ready at
 * once). Time is from the start of `kubectl apply` until the Deployment reports
 * readyReplicas == replicas (polled with kubectl every 250 ms); the time until all pods exist
 * (status.replicas) is reported too.
 */
import { readFileSync } from "node:fs";
import { clusterCidrArgs } from "./cluster-cidr.ts";
import { kubectl, startServer } from "../../tests/harness/lite-process.ts";

const [replicas = 1000, nodes = 100] = process.argv.slice(2).map(Number);
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const server = await startServer(clusterCidrArgs(nodes));
let sim: { pid: number; kill(signal?: number | NodeJS.Signals): void; exited: Promise<number> } | undefined;
try {
  const proc = Bun.spawn(["bun", `${import.meta.dir}/../../tests/sim/node-sim.ts`, "--kubeconfig", server.kubeconfig, "--nodes", String(nodes), "--pods", "250"], { stdout: "pipe", stderr: "inherit" });
  sim = proc;
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("simulated nodes registered")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`simulator exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  (async () => { for (;;) { const { done } = await reader.read(); if (done) break; } })().catch(() => {});
  await Bun.sleep(3000);
  const manifest = JSON.stringify({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "big", namespace: "default" },
    spec: { replicas, selector: { matchLabels: { app: "big" } }, template: { metadata: { labels: { app: "big" } }, spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] } } },
  });
  const loadBefore = loadavg();
  const t0 = performance.now();
  const applied = await kubectl(server, ["apply", "-f", "-"], { stdin: manifest });
  if (applied.code !== 0) throw new Error(applied.stderr);
  let allCreatedMs: number | undefined;
  let last = { replicas: 0, readyReplicas: 0 };
  const deadline = t0 + 600_000;
  for (;;) {
    const r = await kubectl(server, ["get", "deploy", "big", "-o", "jsonpath={.status.replicas} {.status.readyReplicas}"]);
    const [a = "0", b = "0"] = r.stdout.trim().split(" ");
    last = { replicas: Number(a) || 0, readyReplicas: Number(b) || 0 };
    if (allCreatedMs === undefined && last.replicas >= replicas) allCreatedMs = Math.round(performance.now() - t0);
    if (last.readyReplicas >= replicas || performance.now() > deadline) break;
    await Bun.sleep(250);
  }
  const ms = Math.round(performance.now() - t0);
  console.log(JSON.stringify({ replicas, nodes, readyReplicas: last.readyReplicas, allReadyMs: ms, allCreatedMs, podsPerSecond: Math.round(last.readyReplicas / (ms / 1000)), loadBefore, loadAfter: loadavg() }));
} finally {
  if (sim) { sim.kill("SIGTERM"); await sim.exited; }
  await server.stop();
}
