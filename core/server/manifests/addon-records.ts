/**
 * K3s' `Addon` objects (k3s.cattle.io/v1, namespace kube-system): one per auto-deployed manifest
 * file, named after the file (everything before the first period of its name, as K3s), with
 * `spec.source` = the file's path and, once the file has applied, `spec.checksum` = the SHA-256 of
 * its content and the annotation `addon.k3s.cattle.io/gvks` listing the kinds it holds. Events on
 * the Addon (source component `deploy`) say what happened to the file, with K3s' reasons:
 * ApplyingManifest, AppliedManifest, ReadManifestFailed, ParseManifestFailed, ApplyManifestFailed.
 * `kubectl get addons -A` and `kubectl describe addon -n kube-system <name>` then read as on K3s.
 *
 * The CustomResourceDefinition `addons.k3s.cattle.io` is applied when the deployer starts (field
 * manager `lite-deploy`, as K3s registers it at start). Recording is best effort: a manifest applies
 * even when its Addon cannot be written (e.g. a file name that is no valid object name); that is logged.
 */
import { basename as pathBasename } from "node:path";
import { builtinResources, isNotFound, type ApiClient, type EventRecorder, type KubeObject, type Logger } from "@lite/sdk";

export const ADDON_CRD_NAME = "addons.k3s.cattle.io";
export const GVK_ANNOTATION = "addon.k3s.cattle.io/gvks";
const ADDONS = { group: "k3s.cattle.io", version: "v1", resource: "addons", namespace: "kube-system" } as const;

export interface Addon extends KubeObject {
  spec?: { source?: string; checksum?: string };
}

/** The CRD K3s registers for Addons: spec.source and spec.checksum, printed as columns. */
export const addonCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: ADDON_CRD_NAME },
  spec: {
    group: "k3s.cattle.io",
    names: { kind: "Addon", listKind: "AddonList", plural: "addons", singular: "addon" },
    scope: "Namespaced",
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      schema: {
        openAPIV3Schema: {
          type: "object",
          description: "Addon is used to track application of a manifest file on disk.",
          properties: {
            apiVersion: { type: "string" },
            kind: { type: "string" },
            metadata: { type: "object" },
            spec: {
              type: "object",
              description: "Spec provides information about the on-disk manifest backing this resource.",
              properties: {
                source: { type: "string", description: "Source is the Path on disk to the manifest file that this Addon tracks." },
                checksum: { type: "string", description: "Checksum is the SHA256 checksum of the most recently successfully applied manifest file." },
              },
            },
          },
        },
      },
      additionalPrinterColumns: [
        { name: "Source", type: "string", jsonPath: ".spec.source" },
        { name: "Checksum", type: "string", jsonPath: ".spec.checksum" },
      ],
    }],
  },
};

/** The Addon name of a manifest file: its file name up to the first period (K3s' basename). */
export function addonName(path: string): string {
  return pathBasename(path).split(".", 1)[0]!;
}

/** `group/version, Kind=Kind` for each distinct kind, joined by ";" (the annotation K3s writes). */
export function gvkAnnotation(objects: readonly KubeObject[]): string {
  const seen: string[] = [];
  for (const o of objects) {
    const apiVersion = o.apiVersion ?? "";
    const gv = apiVersion.includes("/") ? apiVersion : `/${apiVersion}`;
    const s = `${gv}, Kind=${o.kind ?? ""}`;
    if (!seen.includes(s)) seen.push(s);
  }
  return seen.join(";");
}

export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

export interface AddonRecords {
  /** Applies the CRD and waits (up to 30 s) until Addons are served; false when they are not. */
  ensureServed(): Promise<boolean>;
  /** Gets or creates the file's Addon with spec.source = path; undefined when it cannot be written. */
  begin(path: string): Promise<Addon | undefined>;
  /** After a successful apply: spec.checksum and the kinds annotation. */
  applied(addon: Addon, checksum: string, objects: readonly KubeObject[]): Promise<void>;
  event(addon: Addon | undefined, type: "Normal" | "Warning", reason: string, message: string): void;
}

export function createAddonRecords(options: { client: ApiClient; events: EventRecorder; log: Logger; fieldManager: string }): AddonRecords {
  const { client, events, log } = options;
  let served = false;

  async function addonsServed(): Promise<boolean> {
    try {
      const crd = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>({ ...builtinResources.customResourceDefinitions, name: ADDON_CRD_NAME });
      if (!(crd.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True")) return false;
      await client.list(ADDONS, { limit: 1 });
      return true;
    } catch {
      return false;
    }
  }

  const warn = (what: string, err: unknown) => log.warn(what, { error: err instanceof Error ? err.message : String(err) });

  return {
    async ensureServed() {
      if (served) return true;
      try {
        await client.patch({ ...builtinResources.customResourceDefinitions, name: ADDON_CRD_NAME }, "apply", addonCrd, { fieldManager: options.fieldManager, force: true });
      } catch (err) {
        warn("could not apply the Addon CustomResourceDefinition; manifests apply without Addon records", err);
        return false;
      }
      for (let waited = 0; waited < 30_000 && !served; waited += 100) {
        served = await addonsServed();
        if (!served) await Bun.sleep(100);
      }
      if (!served) log.warn("Addons are not served yet; manifests apply without Addon records until they are");
      return served;
    },

    async begin(path) {
      if (!served) return undefined;
      const name = addonName(path);
      try {
        let addon: Addon;
        try {
          addon = await client.get<Addon>({ ...ADDONS, name });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return await client.create<Addon>(ADDONS, { apiVersion: "k3s.cattle.io/v1", kind: "Addon", metadata: { name, namespace: ADDONS.namespace }, spec: { source: path } });
        }
        if (addon.spec?.source === path) return addon;
        return await client.update<Addon>({ ...ADDONS, name }, { ...addon, spec: { ...addon.spec, source: path } });
      } catch (err) {
        warn(`could not record the Addon ${name} of ${path}`, err);
        return undefined;
      }
    },

    async applied(addon, checksum, objects) {
      const name = addon.metadata.name!;
      try {
        await client.patch<Addon>({ ...ADDONS, name }, "merge", {
          metadata: { annotations: { [GVK_ANNOTATION]: gvkAnnotation(objects) } },
          spec: { checksum },
        });
      } catch (err) {
        warn(`could not record the checksum on the Addon ${name}`, err);
      }
    },

    event(addon, type, reason, message) {
      if (addon) events.event(addon, type, reason, message);
    },
  };
}
