/**
 * Running the scheduler inside `lite server`: an in-process client as system:kube-scheduler,
 * the controller manager's informers when given (one cached copy of every pod and node in the
 * process instead of two, and one decode per watch event) or else its own, leader election on
 * Lease kube-system/kube-scheduler; the scheduler runs while leading. `service` is what plugins get as `coreServices.scheduler`: plugins registered before
 * leadership are created when scheduling starts; later ones join the running scheduler.
 */
import type { Logger, SchedulerPluginDefinition, SchedulerPluginRegistration, SchedulerService, SharedInformerFactory } from "@lite/sdk";
import { createApiClient, inProcessTransport, type InProcessUser, type RequestHandler } from "../client/index.ts";
import { realClock, type Clock } from "../controllers/runtime/clock.ts";
import { LEADER_ELECTION_DEFAULTS, runLeaderElection } from "../controllers/runtime/leader-election.ts";
import { scopedInformerFactory } from "../controllers/runtime/scoped-informer-factory.ts";
import { createSharedInformerFactory } from "../controllers/runtime/shared-informer-factory.ts";
import { createScheduler, type ExtraPlugin, type Scheduler } from "./scheduler.ts";

export const SCHEDULER_USER: InProcessUser = { username: "system:kube-scheduler", groups: ["system:authenticated"] };
export const SCHEDULER_LEASE = { namespace: "kube-system", name: "kube-scheduler" } as const;

export interface StartSchedulerOptions {
  api: RequestHandler;
  log: Logger;
  /** Leader-election identity (the server's node name). */
  identity: string;
  user?: InProcessUser;
  clock?: Clock;
  /** Running informers to share (the controller manager's); absent: the scheduler starts its own while leading. */
  informers?: SharedInformerFactory;
  leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number } | false;
}

export interface SchedulerHandleRunning {
  readonly service: SchedulerService;
  /** The service for one plugin: what it registers is removed by `releasePlugin(id)` (when it stops). */
  forPlugin(pluginId: string): SchedulerService;
  releasePlugin(pluginId: string): void;
  /** The scheduler while leading (tests, diagnostics). */
  current(): Scheduler | undefined;
  /** Stops scheduling and informers; releases the lease. Idempotent. */
  stop(): Promise<void>;
}

export function startScheduler(o: StartSchedulerOptions): SchedulerHandleRunning {
  const clock = o.clock ?? realClock();
  const log = o.log.child({ component: "kube-scheduler" });
  const client = createApiClient({ transport: inProcessTransport(o.api, o.user ?? SCHEDULER_USER), fieldManager: "kube-scheduler", userAgent: "kube-scheduler" });
  const extras = new Map<string, ExtraPlugin>();
  let current: Scheduler | undefined;
  const stopping = new AbortController();

  const lead = async (signal: AbortSignal) => {
    const own = o.informers ? undefined : createSharedInformerFactory({ client, clock, log });
    const shared = o.informers ? scopedInformerFactory(o.informers) : undefined;
    const scheduler = createScheduler({ client, informers: (own ?? shared)!, clock, log, host: o.identity, extraPlugins: [...extras.values()] });
    own?.start(signal);
    current = scheduler;
    try {
      await scheduler.run(signal);
    } finally {
      current = undefined;
      shared?.dispose();
      await own?.stopped();
    }
  };
  const running = (o.leaderElection === false
    ? lead(stopping.signal)
    : runLeaderElection({
      client, clock, log, lease: SCHEDULER_LEASE, identity: o.identity, ...LEADER_ELECTION_DEFAULTS, ...(o.leaderElection ?? {}),
      onStartedLeading: lead,
    }, stopping.signal)).catch((err) => log.error("scheduler failed", { error: String(err) }));

  let stopped: Promise<void> | undefined;
  const perPlugin = new Map<string, Set<() => void>>();
  const service: SchedulerService = {
    registerPlugin<Args>(definition: SchedulerPluginDefinition<Args>, registration?: SchedulerPluginRegistration<Args>) {
      if (extras.has(definition.name)) throw new Error(`scheduler plugin "${definition.name}" is already registered`);
      const extra: ExtraPlugin = { definition, registration };
      extras.set(definition.name, extra);
      current?.addPlugin(extra);
      return () => {
        if (extras.get(definition.name) !== extra) return;
        extras.delete(definition.name);
        current?.framework.remove(definition.name);
      };
    },
    plugins: () => current?.framework.describe() ?? {},
  };
  return {
    service,
    forPlugin(pluginId) {
      let regs = perPlugin.get(pluginId);
      if (!regs) perPlugin.set(pluginId, (regs = new Set()));
      const mine = regs;
      return {
        registerPlugin(definition, registration) {
          const off = service.registerPlugin(definition, registration);
          const once = () => { mine.delete(once); off(); };
          mine.add(once);
          return once;
        },
        plugins: service.plugins,
      };
    },
    releasePlugin(pluginId) {
      for (const off of [...(perPlugin.get(pluginId) ?? [])]) off();
      perPlugin.delete(pluginId);
    },
    current: () => current,
    stop() {
      return (stopped ??= (async () => {
        stopping.abort();
        await running;
      })());
    },
  };
}
