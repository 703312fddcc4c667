import { definePlugin, v } from "@lite/sdk";

/**
 * local-storage: the local-path provisioner. Server half: the `local-path` StorageClass and dynamic
 * PV provisioning. Node half: creates and removes the volume directories on the node.
 * Behaviour arrives with the addons issue (#8); until then both halves report NotImplemented.
 */
export default definePlugin({
  id: "local-storage",
  version: "0.1.0",
  sdk: "^1",
  description: "local-path StorageClass and dynamic provisioning of node-local volumes",
  config: v.object({
    /** Where volumes live on each node; defaults to <data-dir>/storage. */
    path: v.optional(v.string()),
  }),
  server: (ctx) => {
    ctx.status.report({ state: "NotImplemented", message: "volume provisioning arrives with the addons issue (#8)" });
  },
  node: (ctx) => {
    ctx.status.report({ state: "NotImplemented", message: "node volume directories arrive with the addons issue (#8)" });
  },
});
