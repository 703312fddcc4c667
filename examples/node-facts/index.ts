/**
 * node-facts: an example third-party lite plugin, written only against @lite/sdk.
 *
 * Its node half samples facts about the node it runs on (load average, memory, uptime) every
 * `intervalSeconds`, keeps the latest sample in its state directory (so it survives restarts),
 * serves it on the admin endpoint at /plugins/node-facts/facts, and reports itself Degraded
 * when the 1-minute load average per CPU exceeds `maxLoadPerCpu`.
 *
 * Load it with: lite server --plugin /path/to/examples/node-facts/index.ts
 */
import { cpus, freemem, hostname, loadavg, totalmem, uptime } from "node:os";
import { coreServices, definePlugin, v } from "@lite/sdk";

interface Sample {
  node: string;
  hostname: string;
  sampledAt: string;
  samples: number;
  load1PerCpu: number;
  memoryUsedPercent: number;
  uptimeSeconds: number;
}

export default definePlugin({
  id: "node-facts",
  version: "1.0.0",
  sdk: "^1",
  description: "Samples node load, memory and uptime; serves them on the admin endpoint",
  config: v.object({
    intervalSeconds: v.optional(v.pipe(v.number(), v.minValue(0.1)), 10),
    maxLoadPerCpu: v.optional(v.pipe(v.number(), v.minValue(0)), 4),
  }),
  node: async (ctx) => {
    const file = `${ctx.stateDir}/last-sample.json`;
    const previous = await Bun.file(file).json().catch(() => undefined) as Sample | undefined;
    let latest: Sample | undefined;
    let count = previous?.samples ?? 0;

    const sample = async () => {
      count += 1;
      latest = {
        node: ctx.node.nodeName,
        hostname: hostname(),
        sampledAt: new Date().toISOString(),
        samples: count,
        load1PerCpu: Number((loadavg()[0]! / Math.max(1, cpus().length)).toFixed(3)),
        memoryUsedPercent: Number((100 * (1 - freemem() / totalmem())).toFixed(1)),
        uptimeSeconds: Math.round(uptime()),
      };
      await Bun.write(file, JSON.stringify(latest));
      const overloaded = latest.load1PerCpu > ctx.config.maxLoadPerCpu;
      ctx.status.report({
        state: overloaded ? "Degraded" : "Running",
        message: overloaded ? `load per CPU ${latest.load1PerCpu} exceeds ${ctx.config.maxLoadPerCpu}` : `sampled ${count} times`,
        details: { ...latest },
      });
    };

    ctx.use(coreServices.adminRoutes).get("facts", () => Response.json(latest ?? previous ?? null));
    await sample();
    ctx.run("sampler", async (signal) => {
      while (!signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ctx.config.intervalSeconds * 1000);
          signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
        });
        if (!signal.aborted) await sample();
      }
    });
    ctx.log.info("sampling node facts", { intervalSeconds: ctx.config.intervalSeconds });
  },
});
