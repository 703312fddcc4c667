import { mkdirSync } from "node:fs";
import {
  ServiceUnavailableError, type ClusterSettings, type HealthReport, type Logger, type NodeSettings,
  type PluginHandle, type PluginState, type ServiceRef,
} from "@lite/sdk";
import type { PluginPlan, ResolvedPlugin } from "./resolve-plugins.ts";
import type { PluginStatus } from "./plugin-status.ts";

export type Role = "server" | "node";

export interface PluginHostOptions {
  readonly role: Role;
  readonly plan: PluginPlan;
  readonly log: Logger;
  readonly cluster: ClusterSettings;
  /** Required for the node role. */
  readonly node?: NodeSettings;
  /** Each plugin's state directory is `<stateRoot>/<id>`, created on first use. */
  readonly stateRoot: string;
  /** Services the core offers, by ref id: a factory called once per plugin (so services can be scoped). */
  readonly services?: ReadonlyMap<string, (pluginId: string) => unknown>;
  /** Called when a critical plugin fails; the owner stops the process. */
  readonly onCriticalFailure?: (pluginId: string, error: Error) => void;
  /** Called whenever a plugin's status changes (e.g. to record an Event). */
  readonly onStatusChange?: (status: PluginStatus) => void;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly now?: () => Date;
}

interface Running {
  readonly plugin: ResolvedPlugin;
  readonly status: PluginStatus;
  readonly abort: AbortController;
  readonly tasks: Promise<void>[];
  handle?: PluginHandle;
  reported?: HealthReport;
  stopped: boolean;
}

/**
 * Runs one role's halves of the enabled plugins: starts them in dependency waves (independent
 * plugins in parallel), isolates failures (a failing optional plugin is Failed/Degraded, the rest
 * runs on), and stops them in reverse order with a timeout each. `stop` is idempotent.
 */
export class PluginHost {
  private readonly entries = new Map<string, Running>();
  private readonly startOrder: string[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly options: PluginHostOptions) {
    const now = this.now();
    for (const plugin of options.plan.enabled) {
      if (!this.halfOf(plugin)) continue;
      const d = plugin.definition;
      this.entries.set(d.id, {
        plugin,
        abort: new AbortController(),
        tasks: [],
        stopped: false,
        status: {
          id: d.id, role: options.role, version: d.version ?? "0.0.0", source: plugin.origin, enabled: true,
          critical: plugin.critical, dependsOn: [...(d.dependsOn ?? [])], state: "Starting", since: now,
        },
      });
    }
  }

  /** Status of every plugin in this role, disabled embedded ones included. */
  statuses(): PluginStatus[] {
    const disabled: PluginStatus[] = this.options.plan.disabled.map((d) => ({
      id: d.id, role: this.options.role, version: "", source: d.origin, enabled: false, critical: false,
      dependsOn: [], state: "Disabled", since: "",
    }));
    return [...[...this.entries.values()].map((e) => structuredClone(e.status)), ...disabled];
  }

  /** Starts every plugin of this role. Resolves when all have started or failed; never rejects for optional plugins. */
  async start(): Promise<void> {
    const pending = new Set(this.entries.keys());
    const settled = new Map<string, boolean>(); // id -> started ok
    while (pending.size > 0 && !this.stopping) {
      const wave = [...pending].filter((id) =>
        this.entries.get(id)!.status.dependsOn.every((dep) => !this.entries.has(dep) || settled.has(dep)));
      await Promise.all(wave.map(async (id) => {
        pending.delete(id);
        const failedDep = this.entries.get(id)!.status.dependsOn.find((dep) => settled.get(dep) === false);
        if (failedDep) {
          this.fail(id, new Error(`dependency "${failedDep}" failed to start`), "Failed");
          settled.set(id, false);
          return;
        }
        settled.set(id, await this.startOne(id));
      }));
    }
  }

  /** Stops plugins in reverse start order; each gets stopTimeoutMs. Safe to call any number of times. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const id of [...this.startOrder].reverse()) await this.stopOne(id);
      for (const entry of this.entries.values()) {
        if (!entry.stopped) { entry.stopped = true; entry.abort.abort(); this.setState(entry, "Stopped"); }
      }
    })();
    return this.stopping;
  }

  private halfOf(plugin: ResolvedPlugin) {
    return this.options.role === "server" ? plugin.definition.server : plugin.definition.node;
  }

  private async startOne(id: string): Promise<boolean> {
    const entry = this.entries.get(id)!;
    const { plugin } = entry;
    const log = this.options.log.child({ plugin: id });
    const half = this.halfOf(plugin)!;
    this.startOrder.push(id);
    const stateDir = `${this.options.stateRoot}/${id}`;
    const ctx = {
      id,
      role: this.options.role,
      config: plugin.config,
      log,
      signal: entry.abort.signal,
      cluster: this.options.cluster,
      node: this.options.node,
      get stateDir() {
        mkdirSync(stateDir, { recursive: true, mode: 0o700 });
        return stateDir;
      },
      status: { report: (report: HealthReport) => this.report(entry, report) },
      run: (name: string, task: (signal: AbortSignal) => Promise<void>) => this.runTask(entry, name, task),
      use: <T>(ref: ServiceRef<T>): T => {
        const service = this.service<T>(id, ref);
        if (service === undefined) throw new ServiceUnavailableError(ref.id, `the ${this.options.role} half of plugin "${id}"`);
        return service;
      },
      tryUse: <T>(ref: ServiceRef<T>): T | undefined => this.service<T>(id, ref),
    };
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    let timer: Timer | undefined;
    try {
      const started = Promise.resolve().then(() => half(ctx as never));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not finish starting within ${timeoutMs} ms`)), timeoutMs);
      });
      entry.handle = (await Promise.race([started, timeout])) ?? undefined;
    } catch (err) {
      this.fail(id, asError(err), "Failed");
      return false;
    } finally {
      clearTimeout(timer);
    }
    if (entry.status.state === "Starting") this.setState(entry, entry.reported?.state ?? "Running", entry.reported?.message);
    log.info("plugin started", { state: entry.status.state });
    return true;
  }

  private service<T>(pluginId: string, ref: ServiceRef<T>): T | undefined {
    const factory = this.options.services?.get(ref.id);
    return factory ? (factory(pluginId) as T) : undefined;
  }

  private report(entry: Running, report: HealthReport): void {
    if (entry.stopped || entry.status.state === "Failed") return;
    entry.reported = report;
    entry.status.details = report.details;
    if (entry.status.state === "Starting") {
      entry.status.message = report.message;
      return; // applied when start resolves
    }
    this.setState(entry, report.state, report.message);
  }

  private runTask(entry: Running, name: string, task: (signal: AbortSignal) => Promise<void>): void {
    const signal = entry.abort.signal;
    const done = Promise.resolve()
      .then(() => task(signal))
      .catch((err: unknown) => {
        if (signal.aborted) return;
        this.fail(entry.status.id, new Error(`task ${name}: ${asError(err).message}`), "Degraded");
      });
    entry.tasks.push(done);
  }

  private fail(id: string, error: Error, state: "Failed" | "Degraded"): void {
    const entry = this.entries.get(id)!;
    if (entry.stopped) return;
    entry.status.lastError = error.message;
    const effective = entry.plugin.critical ? "Failed" : state;
    this.setState(entry, effective, error.message);
    this.options.log.error(`plugin ${effective === "Failed" ? "failed" : "degraded"}`, { plugin: id, error: error.message, critical: entry.plugin.critical || undefined });
    if (entry.plugin.critical) this.options.onCriticalFailure?.(id, error);
  }

  private async stopOne(id: string): Promise<void> {
    const entry = this.entries.get(id)!;
    if (entry.stopped) return;
    entry.stopped = true;
    entry.abort.abort();
    const timeoutMs = this.options.stopTimeoutMs ?? 10_000;
    let timer: Timer | undefined;
    const timeout = new Promise<"timeout">((resolve) => { timer = setTimeout(() => resolve("timeout"), timeoutMs); });
    const work = (async () => {
      await entry.handle?.stop?.();
      await Promise.all(entry.tasks);
    })();
    try {
      const outcome = await Promise.race([work, timeout]);
      if (outcome === "timeout") {
        entry.status.lastError = `did not stop within ${timeoutMs} ms`;
        this.options.log.warn("plugin did not stop in time", { plugin: id, timeoutMs });
      }
    } catch (err) {
      entry.status.lastError = `stop failed: ${asError(err).message}`;
      this.options.log.warn("plugin stop failed", { plugin: id, error: asError(err).message });
    } finally {
      clearTimeout(timer);
    }
    this.setState(entry, "Stopped");
  }

  private setState(entry: Running, state: PluginState, message?: string): void {
    entry.status.state = state;
    entry.status.since = this.now();
    if (message !== undefined) entry.status.message = message;
    this.options.onStatusChange?.(structuredClone(entry.status));
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
