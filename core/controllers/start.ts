/**
 * Starting the controller manager inside `lite server`: an in-process client as
 * `system:kube-controller-manager`, one shared informer factory (also offered to plugins), and
 * the core controllers under leader election on `kube-system/lite-controller-manager`.
 * Plugins get their own scoped client, informer view and controller runner.
 */
import type { ApiClient, ControllerDefinition, ControllerRunner, Logger, SharedInformerFactory } from "@lite/sdk";
import { createApiClient, inProcessTransport, type InProcessUser, type RequestHandler } from "../client/index.ts";
import { realClock, type Clock } from "./runtime/clock.ts";
import { createControllerManager, type ControllerManager } from "./runtime/controller-manager.ts";
import { createEventRecorder } from "./runtime/event-recorder.ts";
import { LEADER_ELECTION_DEFAULTS } from "./runtime/leader-election.ts";
import { runController } from "./runtime/run-controller.ts";
import { scopedInformerFactory, type ScopedInformerFactory } from "./runtime/scoped-informer-factory.ts";
import { createSharedInformerFactory } from "./runtime/shared-informer-factory.ts";

export const CONTROLLER_MANAGER_USER = { username: "system:kube-controller-manager", groups: ["system:authenticated"] } as const;
export const CONTROLLER_MANAGER_LEASE = { namespace: "kube-system", name: "lite-controller-manager" } as const;

export interface StartControllerManagerOptions {
  api: RequestHandler;
  /** The manager's identity (default system:kube-controller-manager); it must be allowed to run every controller. */
  user?: InProcessUser;
  controllers: readonly ControllerDefinition[];
  log: Logger;
  /** Leader-election identity; stable per server so a restarted server takes its lease back at once. */
  identity: string;
  clock?: Clock;
  /** Override upstream's 15 s / 10 s / 2 s (tests). */
  leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number } | false;
}

/** What plugins are offered, per plugin id. */
export interface PluginControllerServices {
  apiClient: ApiClient;
  informers: SharedInformerFactory;
  controllers: ControllerRunner;
}

export interface ControllerManagerHandle {
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  readonly manager: ControllerManager;
  /** The services for one plugin (created once per id, until `releasePlugin`). */
  forPlugin(pluginId: string): PluginControllerServices;
  /** Drops a stopped plugin's informer handlers. */
  releasePlugin(pluginId: string): void;
  /** Stops controllers, then informers. Idempotent. */
  stop(): Promise<void>;
}

export function startControllerManager(options: StartControllerManagerOptions): ControllerManagerHandle {
  const clock = options.clock ?? realClock();
  const log = options.log.child({ component: "controller-manager" });
  const client = createApiClient({ transport: inProcessTransport(options.api, options.user ?? CONTROLLER_MANAGER_USER), fieldManager: "kube-controller-manager" });
  const informers = createSharedInformerFactory({ client, clock, log });
  const stopping = new AbortController();
  informers.start(stopping.signal);
  const manager = createControllerManager({
    client, informers, clock, log, controllers: options.controllers, host: options.identity,
    leaderElection: options.leaderElection === false ? undefined : {
      lease: CONTROLLER_MANAGER_LEASE, identity: options.identity, ...LEADER_ELECTION_DEFAULTS, ...(options.leaderElection ?? {}),
    },
  });
  const running = manager.run(stopping.signal).catch((err) => log.error("controller manager failed", { error: String(err) }));

  const plugins = new Map<string, PluginControllerServices & { view: ScopedInformerFactory }>();
  let stopped: Promise<void> | undefined;

  return {
    client, informers, manager,
    forPlugin(pluginId) {
      let s = plugins.get(pluginId);
      if (s) return s;
      const pluginClient = createApiClient({
        transport: inProcessTransport(options.api, { username: `system:lite-plugin:${pluginId}`, groups: ["system:authenticated"] }),
        fieldManager: pluginId,
      });
      const view = scopedInformerFactory(informers);
      const plog = options.log.child({ plugin: pluginId });
      const runner: ControllerRunner = {
        async run(controller, signal) {
          const events = createEventRecorder({ client: pluginClient, component: controller.name, host: options.identity, clock, log: plog });
          await runController(controller, { client: pluginClient, informers: view, events, clock, log: plog.child({ controller: controller.name }) }, signal);
          await events.flush();
        },
      };
      s = { apiClient: pluginClient, informers: view, controllers: runner, view };
      plugins.set(pluginId, s);
      return s;
    },
    releasePlugin(pluginId) {
      plugins.get(pluginId)?.view.dispose();
      plugins.delete(pluginId);
    },
    stop() {
      return (stopped ??= (async () => {
        stopping.abort();
        await running;
        await informers.stopped();
      })());
    },
  };
}
