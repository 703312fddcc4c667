/**
 * The node half's controller: the directories of this node's local-path volumes (PVs provisioned by
 * rancher.io/local-path whose `local.path.provisioner/selected-node` is this node).
 *
 * - A volume that is not Released or Failed gets its directory (mode 0777, as K3s' helper pod makes
 *   it), so it exists before the kubelet mounts it (which would also create it, DirectoryOrCreate).
 * - A Released volume with reclaim policy Delete: the directory is removed, then the PV is deleted
 *   (conditional on its uid). The node half deletes the PV itself, after the directory is gone, so a
 *   PV never disappears while its data is still on disk: if removal fails, the PV stays Released and
 *   the removal is retried with back-off. Retain keeps both.
 *
 * Only a directory whose name starts with `<pv name>_` (local-path-provisioner's `pvc-<uid>_<ns>_<name>`)
 * is ever removed: a hand-edited PV cannot point this at anything else.
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { basename, isAbsolute, normalize } from "node:path";
import { builtinResources, defineController, isNotFound, type ControllerDefinition, type StatusReporter } from "@lite/sdk";
import { isOurs, volumeNode, volumePath, type Volume } from "./names.ts";

const PVS = builtinResources.persistentVolumes;

export interface NodeVolumesOptions {
  nodeName: string;
  /** Called after a directory is created or removed (tests, status). */
  onChange?(what: "created" | "removed", path: string): void;
  status?: StatusReporter;
}

/** The volume's directory, if it is one this node half may create and remove. */
export function managedPath(volume: Volume): string | undefined {
  const path = volumePath(volume);
  if (!path || !isAbsolute(path) || normalize(path) !== path.replace(/\/+$/, "") || path.split("/").includes("..")) return undefined;
  if (!basename(path).startsWith(`${volume.metadata.name}_`)) return undefined;
  return path;
}

export function nodeVolumesController(o: NodeVolumesOptions): ControllerDefinition {
  const mine = (v: Volume) => isOurs(v) && volumeNode(v) === o.nodeName;
  return defineController({
    name: "local-path-node",
    resyncMs: 60_000,
    watches: [{ target: PVS, map: (v: Volume) => (mine(v) ? [v.metadata.name!] : []), events: ["add", "update"] }],
    async reconcile(name, ctx) {
      const volume = ctx.informer<Volume>(PVS).get(name);
      if (!volume || !mine(volume)) return;
      const path = managedPath(volume);
      if (!path) {
        ctx.log.warn("not managing a local-path volume whose path is not <dir>/<pv name>_...", { volume: name, path: volumePath(volume) });
        return;
      }
      const phase = volume.status?.phase;
      if (phase === "Released" && volume.spec?.persistentVolumeReclaimPolicy === "Delete") {
        if (volume.metadata.deletionTimestamp && !existsSync(path)) return;
        if (existsSync(path)) {
          rmSync(path, { recursive: true, force: true });
          o.onChange?.("removed", path);
          ctx.log.info("removed volume directory", { volume: name, path });
        }
        try {
          await ctx.client.delete({ ...PVS, name }, { preconditions: { uid: volume.metadata.uid }, signal: ctx.signal });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      }
      if (phase === "Released" || phase === "Failed" || volume.metadata.deletionTimestamp) return;
      if (!existsSync(path)) {
        mkdirSync(path, { recursive: true, mode: 0o777 });
        chmodSync(path, 0o777); // mkdir's mode is masked by the umask
        o.onChange?.("created", path);
      }
    },
  });
}
