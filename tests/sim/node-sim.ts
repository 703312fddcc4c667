/**
 * NODE SIMULATOR command line (not a kubelet; no containers):
 *   bun tests/sim/node-sim.ts --kubeconfig K --nodes N [--prefix sim-node] [--cpu 32] [--memory 256Gi]
 *     [--pods 110] [--heartbeat-ms 10000] [--pod-start-ms 0]
 * Runs until SIGINT/SIGTERM, then stops its loops (Nodes stay registered).
 */
import { parseArgs } from "node:util";
import { startNodeSimulator } from "./node-simulator.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" }, nodes: { type: "string", default: "3" }, prefix: { type: "string", default: "sim-node" },
    cpu: { type: "string", default: "32" }, memory: { type: "string", default: "256Gi" }, pods: { type: "string", default: "110" },
    "heartbeat-ms": { type: "string", default: "10000" }, "pod-start-ms": { type: "string", default: "0" },
  },
});
if (!values.kubeconfig) {
  console.error("usage: bun tests/sim/node-sim.ts --kubeconfig K --nodes N");
  process.exit(2);
}
const log = {
  debug() {}, info: (m: string, f?: object) => console.log(m, f ?? ""), warn: (m: string, f?: object) => console.warn(m, f ?? ""),
  error: (m: string, f?: object) => console.error(m, f ?? ""), child: () => log,
};
const sim = await startNodeSimulator({
  kubeconfig: values.kubeconfig, nodes: Number(values.nodes), namePrefix: values.prefix,
  capacity: { cpu: values.cpu!, memory: values.memory!, pods: values.pods! },
  heartbeatMs: Number(values["heartbeat-ms"]), podStartMs: Number(values["pod-start-ms"]), log,
});
console.log(`node simulator: ${sim.nodeNames.length} simulated nodes registered (${sim.nodeNames[0]} ...)`);
const stop = async () => { await sim.stop(); process.exit(0); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
