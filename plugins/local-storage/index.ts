import { coreServices, definePlugin, v } from "@lite/sdk";
import { PROVISIONER, STORAGE_CLASS } from "./names.ts";
import { nodeVolumesController } from "./node-volumes.ts";
import { provisionerController } from "./provisioner.ts";
import { ensureStorageClass } from "./storage-class.ts";

export { PLUGIN_LABEL, PROVISIONER, STORAGE_CLASS } from "./names.ts";

/**
 * local-storage: the local-path provisioner, as K3s embeds it (rancher.io/local-path). Server half:
 * the default StorageClass `local-path` (WaitForFirstConsumer, reclaim Delete) and a PV per claim on
 * the node the scheduler chose. Node half: creates the volumes' directories and, for Released
 * volumes with reclaim policy Delete, removes the directory and then the PV. Binding, phases and
 * protection finalizers are the core's PV controller's. See README.md.
 */
export default definePlugin({
  id: "local-storage",
  version: "1.0.0",
  sdk: "^1",
  description: "local-path StorageClass and dynamic provisioning of node-local volumes",
  config: v.object({
    /** Where volumes live on each node (`--default-local-storage-path`; core passes <data-dir>/storage). */
    path: v.optional(v.pipe(v.string(), v.regex(/^\//, "must be an absolute path"))),
  }),
  server: (ctx) => {
    const path = ctx.config.path ?? `${ctx.stateDir}/volumes`;
    const client = ctx.use(coreServices.apiClient);
    const details = { provisioner: PROVISIONER, storageClass: STORAGE_CLASS, path };
    ctx.run("storage-class", async (signal) => {
      // The API server is up when server halves start; retry a little anyway (e.g. RBAC still settling).
      for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
        try {
          const { created } = await ensureStorageClass(client, signal);
          ctx.log.info(created ? "created StorageClass" : "StorageClass present", { name: STORAGE_CLASS });
          ctx.status.report({ state: "Running", message: `provisioning ${PROVISIONER} volumes under ${path}`, details });
          return;
        } catch (err) {
          if (signal.aborted) return;
          ctx.status.report({ state: "Degraded", message: `creating StorageClass ${STORAGE_CLASS}: ${err instanceof Error ? err.message : String(err)}`, details });
          await Bun.sleep(delay);
        }
      }
    });
    ctx.run("provisioner", (signal) => ctx.use(coreServices.controllers).run(provisionerController({ path }), signal));
  },
  node: (ctx) => {
    ctx.status.report({ state: "Running", message: `managing ${PROVISIONER} volume directories of node ${ctx.node.nodeName}`, details: { node: ctx.node.nodeName, path: ctx.config.path } });
    ctx.run("volume-directories", (signal) => ctx.use(coreServices.controllers).run(nodeVolumesController({ nodeName: ctx.node.nodeName }), signal));
  },
});
