/**
 * Node password clean-up (K3s' node controller): when a Node is deleted, its node-password Secret
 * `kube-system/<node>.node-password.lite` goes too, so that after `kubectl delete node` a new or
 * re-installed machine can join under the same name (with a new password). A Node deleted while
 * the server was down keeps its Secret until the name is deleted again (as in K3s).
 */
import { builtinResources, defineController, isNotFound, type ControllerDefinition } from "@lite/sdk";
import { NODE_PASSWORD_NAMESPACE, nodePasswordSecretName } from "../../agent/join/node-password.ts";

export function nodePasswordCleanupController(): ControllerDefinition {
  return defineController({
    name: "node-password-cleanup",
    workers: 1,
    watches: [{ target: builtinResources.nodes, events: ["delete"] }],
    async reconcile(nodeName, ctx) {
      // Re-registered meanwhile (a running kubelet recreates its Node): the password stays.
      if (ctx.informer(builtinResources.nodes).get(nodeName)) return;
      try {
        await ctx.client.delete({ ...builtinResources.secrets, namespace: NODE_PASSWORD_NAMESPACE, name: nodePasswordSecretName(nodeName) }, { signal: ctx.signal });
        ctx.log.info("node deleted: its node password was removed", { node: nodeName });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  });
}
