/**
 * The serviceaccounts controller: every active namespace has the `default` ServiceAccount;
 * deleting it brings it back (upstream's ServiceAccountsController with its default options).
 */
import { builtinResources, defineController, isAlreadyExists, isForbidden, isNotFound, type ControllerDefinition, type KubeObject } from "@lite/sdk";

export const DEFAULT_SERVICE_ACCOUNTS = ["default"] as const;

type Namespace = KubeObject & { status?: { phase?: string } };

export function serviceAccountController(names: readonly string[] = DEFAULT_SERVICE_ACCOUNTS): ControllerDefinition {
  const wanted = new Set(names);
  return defineController({
    name: "serviceaccount",
    workers: 1,
    watches: [
      { target: builtinResources.namespaces, events: ["add", "update"] },
      {
        target: builtinResources.serviceAccounts, events: ["delete"],
        map: (sa) => (wanted.has(sa.metadata.name ?? "") && sa.metadata.namespace ? [sa.metadata.namespace] : []),
      },
    ],
    async reconcile(namespace, ctx) {
      const ns = ctx.informer<Namespace>(builtinResources.namespaces).get(namespace);
      if (!ns || ns.status?.phase !== "Active" || ns.metadata.deletionTimestamp) return;
      const accounts = ctx.informer(builtinResources.serviceAccounts);
      for (const name of wanted) {
        if (accounts.get(namespace, name)) continue;
        try {
          await ctx.client.create({ ...builtinResources.serviceAccounts, namespace }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } }, { signal: ctx.signal });
        } catch (err) {
          // Created meanwhile, or the namespace is gone or terminating: nothing to do.
          if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) continue;
          throw err;
        }
      }
    },
  });
}
