import type { Logger } from "@lite/sdk";
import type { AgentSettings } from "../config/settings.ts";

/**
 * `lite agent`: joins a server and runs the node halves of plugins, the kubelet and the service
 * proxy. Joining arrives with the multi-node issue (#9); until then the command validates its
 * flags and says so plainly instead of pretending to run.
 */
export async function runAgent(_settings: AgentSettings, options: { log: Logger }): Promise<number> {
  options.log.error("lite agent: joining a server is not implemented yet; it arrives with issue #9 (multi-node). Use lite server, which runs an embedded agent.");
  return 1;
}
