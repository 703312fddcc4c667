/** Test support: the core controllers running against an in-process API server. */
import type { ControllerDefinition } from "@lite/sdk";
import { startControllerManager, type ControllerManagerHandle } from "../start.ts";
import { quietLog, startTestCluster, type TestCluster } from "./in-process.ts";
import type { ApiServerOptions } from "../../apiserver/index.ts";

export interface ControllerTestbed extends TestCluster {
  readonly manager: ControllerManagerHandle;
}

export async function startControllerTestbed(controllers: readonly ControllerDefinition[], options: Partial<ApiServerOptions> = {}): Promise<ControllerTestbed> {
  const cluster = await startTestCluster(options);
  const manager = startControllerManager({ api: cluster.harness.server, controllers, log: quietLog, identity: "test-server" });
  return {
    ...cluster, manager,
    async close() {
      await manager.stop();
      await cluster.close();
    },
  };
}
