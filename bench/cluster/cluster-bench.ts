/**
 * `lite cluster create NAME --agents 2` to all three Nodes Ready, then `lite cluster delete`:
 * wall-clock time of each command (create returns only when every Node is Ready through the API),
 * over repeated runs in a temporary cluster dir. Prints a Markdown block to paste into RESULTS.md.
 * Runs as root (network namespaces); cleans up after every run, also on failure.
 *
 *   bun bench/cluster/cluster-bench.ts [runs=3] [agents=2]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { resolve } from "node:path";

const lite = resolve(import.meta.dir, "../../dist/lite");
const runs = Number(process.argv[2] ?? 3);
const agents = Number(process.argv[3] ?? 2);
const dir = mkdtempSync(`${tmpdir()}/lite-cluster-bench-`);
const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", HOME: process.env.HOME ?? "/root" };

async function run(args: string[]): Promise<{ ms: number; code: number; out: string }> {
  const started = performance.now();
  const proc = Bun.spawn([lite, "cluster", ...args, "--cluster-dir", dir], { env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { ms: performance.now() - started, code, out: stdout + stderr };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const create: number[] = [];
const remove: number[] = [];
const loads: string[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const name = `cb${process.pid % 10000}x${i}`;
    loads.push(loadavg()[0]!.toFixed(1));
    const c = await run(["create", name, "--agents", String(agents)]);
    if (c.code !== 0) {
      await run(["delete", name]);
      throw new Error(`create failed:\n${c.out}`);
    }
    create.push(c.ms);
    const d = await run(["delete", name]);
    if (d.code !== 0) throw new Error(`delete failed:\n${d.out}`);
    remove.push(d.ms);
    process.stderr.write(`run ${i + 1}: create ${(c.ms / 1000).toFixed(1)} s, delete ${(d.ms / 1000).toFixed(1)} s\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const version = Bun.spawnSync([lite, "--version"]).stdout.toString().trim();
const fmt = (xs: number[]) => `${(median(xs) / 1000).toFixed(1)} | ${xs.map((x) => (x / 1000).toFixed(1)).join(", ")}`;
console.log(`### ${new Date().toISOString().slice(0, 10)}: ${version}`);
console.log(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}. ${runs} runs, ${agents} agents; 1-min load average at each start: ${loads.join(", ")}.`);
console.log("");
console.log("| measure | median (s) | runs (s) |");
console.log("|---|---|---|");
console.log(`| \`lite cluster create --agents ${agents}\` to all Nodes Ready | ${fmt(create)} |`);
console.log(`| \`lite cluster delete\` | ${fmt(remove)} |`);
