/** Test support: the core controllers running against an in-process API server. */
import type { ControllerDefinition } from "@lite/sdk";
import { startControllerManager, type ControllerManagerHandle } from "../start.ts";
import { quietLog, startTestCluster, type TestCluster } from "./in-process.ts";
import type { ApiServerOptions } from "../../apiserver/index.ts";
import type { Clock } from "../runtime/clock.ts";

export interface ControllerTestbed extends TestCluster {
  readonly manager: ControllerManagerHandle;
}

export interface TestbedManagerOptions {
  /** The manager's clock (queues, requeueAfter, events), e.g. a fake clock; leader election is then off. */
  clock?: Clock;
}

export async function startControllerTestbed(controllers: readonly ControllerDefinition[], options: Partial<ApiServerOptions> = {}, managerOptions: TestbedManagerOptions = {}): Promise<ControllerTestbed> {
  const cluster = await startTestCluster(options);
  const manager = startControllerManager({
    api: cluster.harness.server, controllers, log: quietLog, identity: "test-server",
    ...(managerOptions.clock ? { clock: managerOptions.clock, leaderElection: false as const } : {}),
  });
  return {
    ...cluster, manager,
    async close() {
      await manager.stop();
      await cluster.close();
    },
  };
}
