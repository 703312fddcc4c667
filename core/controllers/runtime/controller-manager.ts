/**
 * The controller manager: runs a set of controllers (each with its own queue and workers) over a
 * shared informer factory, optionally only while holding a leader-election Lease. `run` resolves
 * after `signal` fires and every controller has stopped.
 */
import type { ApiClient, ControllerDefinition, Logger, SharedInformerFactory } from "@lite/sdk";
import type { Clock } from "./clock.ts";
import { createEventRecorder, type BackgroundEventRecorder } from "./event-recorder.ts";
import { runLeaderElection, type LeaderElectionOptions } from "./leader-election.ts";
import { runController } from "./run-controller.ts";

export interface ControllerManagerOptions {
  client: ApiClient;
  informers: SharedInformerFactory;
  controllers: readonly ControllerDefinition[];
  clock: Clock;
  log: Logger;
  /** Reporting instance of Events (e.g. the node name). */
  host?: string;
  /** When set, controllers run only while this identity holds the lease. */
  leaderElection?: Pick<LeaderElectionOptions, "lease" | "identity" | "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs">;
}

export interface ControllerManager {
  run(signal: AbortSignal): Promise<void>;
  /** True while controllers run (leading, or no election). */
  isLeading(): boolean;
}

export function createControllerManager(options: ControllerManagerOptions): ControllerManager {
  const { client, informers, clock, log } = options;
  const names = new Set<string>();
  for (const c of options.controllers) {
    if (names.has(c.name)) throw new Error(`controller "${c.name}" is registered twice`);
    names.add(c.name);
  }
  let leading = false;

  const runAll = async (signal: AbortSignal) => {
    leading = true;
    const recorders: BackgroundEventRecorder[] = [];
    try {
      await Promise.all(options.controllers.map(async (c) => {
        const clog = log.child({ controller: c.name });
        const events = createEventRecorder({ client, component: `${c.name}-controller`, host: options.host, clock, log: clog });
        recorders.push(events);
        try {
          await runController(c, { client, informers, events, clock, log: clog }, signal);
        } catch (err) {
          clog.error("controller failed", { error: err instanceof Error ? err.message : String(err) });
        }
      }));
    } finally {
      leading = false;
      await Promise.all(recorders.map((r) => r.flush()));
    }
  };

  return {
    async run(signal) {
      const election = options.leaderElection;
      if (!election) return runAll(signal);
      await runLeaderElection({ ...election, client, clock, log, onStartedLeading: runAll }, signal);
    },
    isLeading: () => leading,
  };
}
