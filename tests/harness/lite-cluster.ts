/**
 * Drives `lite cluster` (the compiled binary) for multi-node end-to-end tests: one cluster dir per
 * test file, real kubectl on the kubeconfig the cluster writes, and checks of what a cluster leaves
 * on the host (network namespaces, links, nftables tables, processes, mounts). `destroy()` deletes
 * every cluster made through it and the dir; call it in afterAll.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { requireBinary, runLite, type RunResult } from "./lite-process.ts";
import { ok } from "./kube.ts";

export interface ClusterPod {
  name: string;
  node: string;
  uid: string;
  deleting: boolean;
  phase?: string;
  /** containerID and restartCount per container, in spec order. */
  containers: { id?: string; restarts: number }[];
}

export interface ClusterHarness {
  readonly dir: string;
  readonly kubeconfig: string;
  /** `lite cluster ARGS --cluster-dir DIR`. */
  cluster(args: string[], env?: Record<string, string>, timeoutMs?: number): Promise<RunResult>;
  kubectl(args: string[], stdin?: string): Promise<RunResult>;
  /** Node name -> status of its Ready condition. */
  nodeReady(): Promise<Record<string, string>>;
  /** Node name -> InternalIP. */
  nodeIPs(): Promise<Record<string, string>>;
  /** The pods of namespace default (optionally by label selector). */
  pods(selector?: string): Promise<ClusterPod[]>;
  /** Namespaces `lc-NAME-*` of this cluster that exist now. */
  netnses(name: string): string[];
  /** Processes whose command line mentions the cluster dir. */
  processes(): string[];
  /** Mounts under the cluster dir. */
  mounts(): string[];
  destroy(): Promise<void>;
}

const sh = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" }).stdout ?? "";
export const hostLinks = () => sh(["ip", "-o", "link", "show"]).split("\n").map((l) => l.split(": ")[1]?.split("@")[0] ?? "").filter(Boolean);
export const nftTables = () => sh(["nft", "list", "tables"]).split("\n").filter(Boolean).sort();

export function clusterHarness(): ClusterHarness {
  requireBinary();
  const dir = mkdtempSync(`${tmpdir()}/lite-clusters-`);
  const kubeconfig = `${dir}/kube/config`;
  const created = new Set<string>();
  const h: ClusterHarness = {
    dir, kubeconfig,
    async cluster(args, env = {}, timeoutMs = 30_000) {
      if (args[0] === "create" && args[1]) created.add(args[1]);
      return await runLite(["cluster", ...args, "--cluster-dir", dir], env, timeoutMs);
    },
    async kubectl(args, stdin) {
      const proc = Bun.spawn(["kubectl", ...args], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, KUBECONFIG: kubeconfig, KUBECACHEDIR: `${dir}/kube-cache` },
        stdin: stdin !== undefined ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000,
      });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { code, stdout, stderr };
    },
    async nodeReady() {
      const out = ok(await h.kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"]));
      return Object.fromEntries(out.trim().split("\n").filter(Boolean).map((l) => l.split("=") as [string, string]));
    },
    async nodeIPs() {
      const out = ok(await h.kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.addresses[?(@.type==\"InternalIP\")].address}{\"\\n\"}{end}"]));
      return Object.fromEntries(out.trim().split("\n").filter(Boolean).map((l) => l.split("=") as [string, string]));
    },
    async pods(selector) {
      const list = JSON.parse(ok(await h.kubectl(["get", "pods", "-o", "json", ...(selector ? ["-l", selector] : [])]))) as { items: any[] };
      return list.items.map((p) => ({
        name: p.metadata.name, node: p.spec.nodeName ?? "", uid: p.metadata.uid, deleting: !!p.metadata.deletionTimestamp, phase: p.status?.phase,
        containers: (p.spec.containers as { name: string }[]).map((c) => {
          const s = (p.status?.containerStatuses ?? []).find((x: { name: string }) => x.name === c.name);
          return { id: s?.containerID, restarts: s?.restartCount ?? 0 };
        }),
      }));
    },
    netnses: (name) => (existsSync("/run/netns") ? readdirSync("/run/netns") : []).filter((n) => n.startsWith(`lc-${name}-`)),
    processes: () => readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`${dir}/`);
      } catch {
        return false;
      }
    }),
    mounts: () => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.split(" ")[4]?.startsWith(dir)),
    async destroy() {
      for (const name of created) await h.cluster(["delete", name], {}, 120_000).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
