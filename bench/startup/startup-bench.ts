/**
 * Startup benchmark: the size of dist/lite and the time from exec to "lite server ready"
 * (config resolved; datastore open; PKI generated on first start; RBAC bootstrap policy and system
 * namespaces written; API server serving HTTPS; plugins started; admin endpoint answering), over
 * repeated runs in fresh data dirs. Prints a Markdown block to paste into RESULTS.md.
 *
 *   bun bench/startup/startup-bench.ts [runs=15] [extra lite server flags...]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { resolve } from "node:path";

const lite = resolve(import.meta.dir, "../../dist/lite");
const runs = Number(process.argv[2] ?? 15);
const extra = process.argv.slice(3);

async function once(): Promise<{ readyMs: number; rssKiB: number }> {
  const dir = mkdtempSync(`${tmpdir()}/lite-bench-`);
  writeFileSync(`${dir}/config.yaml`, "");
  const started = performance.now();
  const proc = Bun.spawn([lite, "server", "--data-dir", dir, "--config", `${dir}/config.yaml`,
    "--https-listen-port", "0", "--bind-address", "127.0.0.1", "--write-kubeconfig", `${dir}/kubeconfig.yaml`, ...extra], { stdout: "ignore", stderr: "pipe" });
  const decoder = new TextDecoder();
  let output = "";
  let readyMs = NaN;
  for await (const chunk of proc.stderr) {
    output += decoder.decode(chunk, { stream: true });
    if (output.includes("lite server ready")) {
      readyMs = performance.now() - started;
      break;
    }
  }
  const status = await Bun.file(`/proc/${proc.pid}/status`).text().catch(() => "");
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  proc.kill("SIGTERM");
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
  if (Number.isNaN(readyMs)) throw new Error(`server never became ready:\n${output}`);
  return { readyMs, rssKiB };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

await once(); // warm the page cache
const samples: { readyMs: number; rssKiB: number }[] = [];
for (let i = 0; i < runs; i++) samples.push(await once());
const ready = samples.map((s) => s.readyMs);
const rss = samples.map((s) => s.rssKiB);
const size = statSync(lite).size;
const cpu = cpus()[0]?.model ?? "unknown CPU";
const kernel = (await Bun.$`uname -r`.text()).trim();
const version = (await Bun.$`${lite} --version`.text()).trim();

console.log(`### ${new Date().toISOString().slice(0, 10)}: ${version}
Machine: ${cpus().length} x ${cpu}, Linux ${kernel}. Flags: --https-listen-port 0 --bind-address 127.0.0.1 ${extra.join(" ") || "(defaults otherwise: all embedded plugins)"}. ${runs} runs.

| measure | median | p90 | min | max |
|---|---|---|---|---|
| exec to "lite server ready" (ms) | ${quantile(ready, 0.5).toFixed(0)} | ${quantile(ready, 0.9).toFixed(0)} | ${Math.min(...ready).toFixed(0)} | ${Math.max(...ready).toFixed(0)} |
| RSS when ready (MiB) | ${(quantile(rss, 0.5) / 1024).toFixed(1)} | ${(quantile(rss, 0.9) / 1024).toFixed(1)} | ${(Math.min(...rss) / 1024).toFixed(1)} | ${(Math.max(...rss) / 1024).toFixed(1)} |

dist/lite size: ${(size / 1024 / 1024).toFixed(1)} MiB (${size} bytes).
`);
