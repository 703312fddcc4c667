/**
 * A `lite server` with its embedded agent inside a test network namespace (netns.ts): pods,
 * Services, NodePorts and cluster DNS work as on a real node, and nothing leaves the namespace
 * (cluster DNS has no upstreams; a registries file that does not exist keeps the machine's
 * /etc/lite/registries.yaml out). Resolves once the Node is Ready; `stop()` stops the server,
 * removes the namespace and the scratch dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, type ApiClient } from "@lite/sdk";
import { within } from "./kube.ts";
import { startServer, type LiteServer } from "./lite-process.ts";
import { createTestNetns, type TestNetns } from "./netns.ts";
import { adminClient, condition, type Pod } from "./pods.ts";

export interface NetnsServer {
  readonly server: LiteServer;
  readonly client: ApiClient;
  readonly net: TestNetns;
  stop(): Promise<void>;
}

export async function startNetnsServer(prefix: string): Promise<NetnsServer> {
  const work = mkdtempSync(`${tmpdir()}/${prefix}-`);
  const net = createTestNetns();
  let server: LiteServer | undefined;
  const stop = async () => {
    try {
      await server?.stop();
    } finally {
      // Even when the server's stop failed (e.g. killall timed out under load), leave no namespace or dir.
      net.destroy();
      rmSync(work, { recursive: true, force: true });
    }
  };
  try {
    server = await startServer(["--node-ip", net.nodeIP, "--kubelet-arg", "port=0", "--private-registry", `${work}/registries.yaml`], {},
      { agent: true, netns: net, config: "plugin-config:\n  coredns:\n    upstreams: []\n" });
    const client = adminClient(server);
    await within(60_000, async () => ((await client.list<Pod>(builtinResources.nodes)).items.some((n) => condition(n, "Ready") === "True") ? true : undefined), 250);
    return { server, client, net, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
