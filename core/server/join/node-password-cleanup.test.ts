import { afterAll, beforeAll, expect, test } from "bun:test";
import { builtinResources, isNotFound } from "@lite/sdk";
import { eventually } from "../../controllers/testing/in-process.ts";
import { startControllerTestbed, type ControllerTestbed } from "../../controllers/testing/controllers.ts";
import { NODE_PASSWORD_NAMESPACE, nodePasswordSecretName } from "../../agent/join/node-password.ts";
import { nodePasswordCleanupController } from "./node-password-cleanup.ts";

let t: ControllerTestbed;
beforeAll(async () => { t = await startControllerTestbed([nodePasswordCleanupController()]); });
afterAll(async () => { await t.close(); });

const secretRef = (node: string) => ({ ...builtinResources.secrets, namespace: NODE_PASSWORD_NAMESPACE, name: nodePasswordSecretName(node) });
const passwordSecret = (node: string) => ({ metadata: { name: nodePasswordSecretName(node) }, type: "lite.dev/node-password", data: { hash: "eA==" } });

test("deleting a Node removes its node-password Secret; other nodes' passwords stay", async () => {
  for (const n of ["gone-1", "kept-1"]) {
    await t.client.create(builtinResources.nodes, { metadata: { name: n } });
    await t.client.create({ ...builtinResources.secrets, namespace: NODE_PASSWORD_NAMESPACE }, passwordSecret(n));
  }
  await t.client.delete({ ...builtinResources.nodes, name: "gone-1" });
  await eventually(() => t.client.get(secretRef("gone-1")).then(() => false, (e) => isNotFound(e)), 4000, "password secret deleted");
  await Bun.sleep(200);
  expect((await t.client.get(secretRef("kept-1"))).metadata.name).toBe(nodePasswordSecretName("kept-1"));
});
