/** DefaultBinder: POST pods/<name>/binding (the API server sets spec.nodeName and PodScheduled). */
import { Statuses, builtinResources, defineSchedulerPlugin } from "@lite/sdk";

export const defaultBinderPlugin = defineSchedulerPlugin({
  name: "DefaultBinder",
  create: (handle) => ({
    name: "DefaultBinder",
    async bind(_state, pod, nodeName) {
      await handle.client.create({ ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name! } as never, {
        apiVersion: "v1", kind: "Binding",
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
        target: { apiVersion: "v1", kind: "Node", name: nodeName },
      }, { subresource: "binding" });
      return Statuses.success();
    },
  }),
});
