/**
 * The persistent volume binder (upstream pkg/controller/volume/persistentvolume, pv_controller.go):
 * binds PersistentVolumeClaims to PersistentVolumes and keeps both phases right.
 *
 * - Claims: a claim naming a volume (spec.volumeName) gets that volume if it satisfies it; one the
 *   user pre-bound a volume to (the volume's claimRef) gets that volume; otherwise the smallest
 *   Available volume with enough capacity, the access modes, class, volume mode and selector. A
 *   claim without a class gets the default StorageClass first (upstream's retroactive assignment;
 *   lite has no DefaultStorageClass admission plugin). With no volume: a WaitForFirstConsumer claim
 *   waits for the scheduler's `volume.kubernetes.io/selected-node` (then volumes matching that
 *   node's labels are considered too, the part of upstream's scheduler binder lite does here); a
 *   claim of a class is handed to the class's external provisioner through the
 *   `volume.kubernetes.io/storage-provisioner` annotations (lite provisions nothing in-tree). A bound
 *   claim whose volume vanished or went to another claim is Lost.
 * - Volumes: Available without a claim, Bound with one, Released once the claim is gone, then the
 *   reclaim policy: Retain keeps it Released; Delete of a volume with `pv.kubernetes.io/provisioned-by`
 *   is left to that provisioner (it deletes the volume); Delete of any other volume and Recycle fail
 *   (phase Failed with upstream's event), since lite has no in-tree deleter or recycler.
 *
 * Keys: `claim:<ns>/<name>`, `volume:<name>`, `class:<name>`. One worker, so claim and volume syncs
 * never race each other; writes are compare-and-swap on resourceVersion and the controller reads its
 * own latest writes over a lagging cache (upstream's storeObjectUpdate).
 */
import {
  builtinResources, defineController, isConflict, isNotFound, type ControllerDefinition, type KubeObject, type Node,
  type ReconcileContext,
} from "@lite/sdk";
import { findBestMatch, volumeModeMismatch, volumeSatisfiesClaim } from "./matching.ts";
import {
  ANN, claimClass, claimKey, isDefaultClass, isVolumeBoundToClaim, type ClaimPhase, type PersistentVolume,
  type PersistentVolumeClaim, type StorageClass, type VolumePhase,
} from "./types.ts";
import { formatTime } from "../../kube-time.ts";

const PVS = builtinResources.persistentVolumes;
const PVCS = builtinResources.persistentVolumeClaims;
const CLASSES = { group: "storage.k8s.io", version: "v1", resource: "storageclasses" } as const;
const NODES = builtinResources.nodes;
const CLAIM_REF_INDEX = "pv-controller-claim-ref";

export interface BinderControllerOptions {
  /** Periodic full resync (upstream --pvclaimbinder-sync-period, 15 s). */
  resyncMs?: number;
  now?: () => number;
}

/** Newest of a cached object and the controller's own last write of it (by resourceVersion). */
class LatestWrites<T extends KubeObject> {
  private readonly written = new Map<string, T>();
  pick(key: string, cached: T | undefined): T | undefined {
    const mine = this.written.get(key);
    if (!mine) return cached;
    if (!cached || cached.metadata.uid !== mine.metadata.uid) {
      if (!cached) return undefined; // deleted since: the cache knows best
      this.written.delete(key);
      return cached;
    }
    if (rv(cached) >= rv(mine)) { this.written.delete(key); return cached; }
    return mine;
  }
  remember(key: string, obj: T): T { this.written.set(key, obj); return obj; }
  forget(key: string): void { this.written.delete(key); }
}

function rv(o: KubeObject): bigint {
  try { return BigInt(o.metadata.resourceVersion ?? "0"); } catch { return 0n; }
}

export function persistentVolumeBinderController(options: BinderControllerOptions = {}): ControllerDefinition {
  const now = options.now ?? (() => Date.now());
  const claimsWritten = new LatestWrites<PersistentVolumeClaim>();
  const volumesWritten = new LatestWrites<PersistentVolume>();

  return defineController({
    name: "persistentvolume-binder",
    workers: 1,
    resyncMs: options.resyncMs ?? 15_000,
    watches: [
      { target: PVCS, map: (c: PersistentVolumeClaim) => [`claim:${claimKey(c)}`] },
      {
        target: PVS,
        indexers: { [CLAIM_REF_INDEX]: (v: PersistentVolume) => (v.spec?.claimRef?.name ? [`${v.spec.claimRef.namespace ?? ""}/${v.spec.claimRef.name}`] : []) },
        map: (v: PersistentVolume) => {
          const keys = [`volume:${v.metadata.name}`];
          const ref = v.spec?.claimRef;
          if (ref?.name) keys.push(`claim:${ref.namespace ?? ""}/${ref.name}`);
          return keys;
        },
      },
      { target: CLASSES, map: (sc: StorageClass) => [`class:${sc.metadata.name}`], events: ["add", "update"] },
      { target: NODES, map: () => [] },
    ],
    async reconcile(key, ctx) {
      const colon = key.indexOf(":");
      const kind = key.slice(0, colon), rest = key.slice(colon + 1);
      const s = new Sync(ctx, claimsWritten, volumesWritten, now);
      try {
        if (kind === "claim") await s.claimKey(rest);
        else if (kind === "volume") await s.volumeKey(rest);
        else if (kind === "class") await s.classKey(rest);
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 50 };
        throw err;
      }
    },
  });
}

class Sync {
  constructor(
    private readonly ctx: ReconcileContext,
    private readonly claimsWritten: LatestWrites<PersistentVolumeClaim>,
    private readonly volumesWritten: LatestWrites<PersistentVolume>,
    private readonly now: () => number,
  ) {}

  private claims() { return this.ctx.informer<PersistentVolumeClaim>(PVCS); }
  private volumes() { return this.ctx.informer<PersistentVolume>(PVS); }
  private getClaim(key: string) { return this.claimsWritten.pick(key, this.claims().get(key)); }
  private getVolume(name: string) { return this.volumesWritten.pick(name, this.volumes().get(name)); }
  private allVolumes(): PersistentVolume[] {
    return this.volumes().list().map((v) => this.volumesWritten.pick(v.metadata.name!, v)!).filter(Boolean);
  }
  private getClass(name: string) { return this.ctx.informer<StorageClass>(CLASSES).get(name); }

  async claimKey(key: string): Promise<void> {
    const claim = this.getClaim(key);
    if (claim) return this.syncClaim(claim);
    // The claim is gone: its volumes are released.
    this.claimsWritten.forget(key);
    for (const v of this.volumes().byIndex(CLAIM_REF_INDEX, key)) {
      const volume = this.getVolume(v.metadata.name!);
      if (volume) await this.syncVolume(volume);
    }
  }

  async volumeKey(name: string): Promise<void> {
    const volume = this.getVolume(name);
    if (!volume) { this.volumesWritten.forget(name); return; }
    await this.syncVolume(volume);
  }

  /** A class appeared or changed: claims waiting on it (or on a default class) get another pass. */
  async classKey(name: string): Promise<void> {
    const sc = this.getClass(name);
    if (!sc) return;
    const isDefault = isDefaultClass(sc);
    for (const c of this.claims().list()) {
      if (c.metadata.annotations?.[ANN.bindCompleted]) continue;
      const unset = c.spec?.storageClassName == null && c.metadata.annotations?.[ANN.betaStorageClass] === undefined;
      if (claimClass(c) === name || (isDefault && unset)) {
        const claim = this.getClaim(claimKey(c));
        if (claim) await this.syncClaim(claim);
      }
    }
  }

  // ---- claims ----

  async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    if (!claim.metadata.annotations?.[ANN.bindCompleted]) return this.syncUnboundClaim(claim);
    return this.syncBoundClaim(claim);
  }

  private async syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName ?? "";
    if (!volumeName) {
      const cls = claimClass(claim);
      const sc = cls ? this.getClass(cls) : undefined;
      const delayBinding = sc?.volumeBindingMode === "WaitForFirstConsumer";
      const selectedNode = claim.metadata.annotations?.[ANN.selectedNode];
      const node = delayBinding && selectedNode ? this.ctx.informer<Node>(NODES).get(selectedNode) : undefined;
      const volume = findBestMatch(claim, this.allVolumes(), { node, delayBinding });
      if (volume) return this.bind(volume, claim);
      if (await this.assignDefaultClass(claim)) return;
      if (delayBinding && !selectedNode) {
        this.event(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
      } else if (cls !== "") {
        return this.provisionClaim(claim, cls, sc);
      } else {
        this.event(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
      }
      await this.updateClaimStatus(claim, "Pending", undefined);
      return;
    }
    // The user asked for a specific volume.
    const volume = this.getVolume(volumeName);
    if (!volume) {
      await this.updateClaimStatus(claim, "Pending", undefined);
      return;
    }
    if (!volume.spec?.claimRef) {
      const why = volumeSatisfiesClaim(volume, claim);
      if (why) {
        this.event(claim, "Warning", "VolumeMismatch", `Cannot bind to requested volume ${JSON.stringify(volume.metadata.name)}: ${why}`);
        await this.updateClaimStatus(claim, "Pending", undefined);
        return;
      }
      return this.bind(volume, claim);
    }
    if (isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    // Claimed by someone else.
    this.event(claim, "Warning", "FailedBinding", `volume ${JSON.stringify(volume.metadata.name)} already bound to a different claim.`);
    if (claim.metadata.annotations?.[ANN.boundByController]) {
      throw new Error(`invalid binding of claim "${claimKey(claim)}" to volume "${volumeName}": volume already claimed by "${volume.spec.claimRef.namespace}/${volume.spec.claimRef.name}"`);
    }
    await this.updateClaimStatus(claim, "Pending", undefined);
  }

  private async syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName ?? "";
    if (!volumeName) {
      await this.updateClaimStatusWithEvent(claim, "Lost", "Warning", "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
      return;
    }
    const volume = this.getVolume(volumeName);
    if (!volume) {
      await this.updateClaimStatusWithEvent(claim, "Lost", "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
      return;
    }
    if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    await this.updateClaimStatusWithEvent(claim, "Lost", "Warning", "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
  }

  /** Upstream assignDefaultStorageClass: only a claim whose class is unset (nil, not ""). */
  private async assignDefaultClass(claim: PersistentVolumeClaim): Promise<boolean> {
    if (claim.spec?.storageClassName != null || claim.metadata.annotations?.[ANN.betaStorageClass] !== undefined) return false;
    const defaults = this.ctx.informer<StorageClass>(CLASSES).list().filter(isDefaultClass);
    if (!defaults.length) return false;
    // Several defaults: the newest wins (upstream GetDefaultClass).
    defaults.sort((a, b) => Date.parse(b.metadata.creationTimestamp ?? "") - Date.parse(a.metadata.creationTimestamp ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    const next = structuredClone(claim) as PersistentVolumeClaim;
    next.spec = { ...next.spec, storageClassName: defaults[0]!.metadata.name };
    await this.writeClaim(next);
    return true;
  }

  /** Upstream provisionClaimOperationExternal: name the class's provisioner on the claim; it does the rest. */
  private async provisionClaim(claim: PersistentVolumeClaim, cls: string, sc: StorageClass | undefined): Promise<void> {
    if (!sc) {
      this.event(claim, "Warning", "ProvisioningFailed", `storageclass.storage.k8s.io ${JSON.stringify(cls)} not found`);
      await this.updateClaimStatus(claim, "Pending", undefined);
      return;
    }
    const ann = claim.metadata.annotations ?? {};
    let current = claim;
    if (ann[ANN.storageProvisioner] !== sc.provisioner || ann[ANN.betaStorageProvisioner] !== sc.provisioner) {
      const next = structuredClone(claim) as PersistentVolumeClaim;
      next.metadata.annotations = { ...ann, [ANN.storageProvisioner]: sc.provisioner, [ANN.betaStorageProvisioner]: sc.provisioner };
      current = await this.writeClaim(next);
    }
    this.event(current, "Normal", "ExternalProvisioning",
      `waiting for a volume to be created, either by external provisioner ${JSON.stringify(sc.provisioner)} or manually created by system administrator`);
    await this.updateClaimStatus(current, "Pending", undefined);
  }

  /** Upstream bind: volume.claimRef, volume Bound, claim.volumeName + annotations, claim Bound. */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    volume = await this.bindVolumeToClaim(volume, claim);
    volume = await this.updateVolumePhase(volume, "Bound", undefined);
    claim = await this.bindClaimToVolume(claim, volume);
    await this.updateClaimStatus(claim, "Bound", volume);
  }

  private async bindVolumeToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<PersistentVolume> {
    const byController = !isVolumeBoundToClaim(volume, claim);
    const ref = volume.spec?.claimRef;
    const next = structuredClone(volume) as PersistentVolume;
    let dirty = false;
    if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid) {
      next.spec = {
        ...next.spec,
        claimRef: {
          kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid,
          apiVersion: "v1", resourceVersion: claim.metadata.resourceVersion,
        },
      };
      dirty = true;
    }
    if (byController && !next.metadata.annotations?.[ANN.boundByController]) {
      next.metadata.annotations = { ...next.metadata.annotations, [ANN.boundByController]: "yes" };
      dirty = true;
    }
    return dirty ? this.writeVolume(next) : volume;
  }

  private async bindClaimToVolume(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<PersistentVolumeClaim> {
    const next = structuredClone(claim) as PersistentVolumeClaim;
    let dirty = false;
    const annotations = { ...next.metadata.annotations };
    if (claim.spec?.volumeName !== volume.metadata.name) {
      next.spec = { ...next.spec, volumeName: volume.metadata.name };
      annotations[ANN.boundByController] ??= "yes";
      dirty = true;
    }
    if (!annotations[ANN.bindCompleted]) { annotations[ANN.bindCompleted] = "yes"; dirty = true; }
    next.metadata.annotations = annotations;
    return dirty ? this.writeClaim(next) : claim;
  }

  private async updateClaimStatusWithEvent(claim: PersistentVolumeClaim, phase: ClaimPhase, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
    if (claim.status?.phase === phase) return;
    this.event(claim, type, reason, message);
    await this.updateClaimStatus(claim, phase, undefined);
  }

  private async updateClaimStatus(claim: PersistentVolumeClaim, phase: ClaimPhase, volume: PersistentVolume | undefined): Promise<PersistentVolumeClaim> {
    const status = { ...claim.status };
    let dirty = false;
    if (status.phase !== phase) { status.phase = phase; dirty = true; }
    if (!volume) {
      if (status.accessModes) { delete status.accessModes; dirty = true; }
      if (status.capacity) { delete status.capacity; dirty = true; }
    } else {
      if (JSON.stringify(status.accessModes ?? null) !== JSON.stringify(volume.spec?.accessModes ?? null)) { status.accessModes = volume.spec?.accessModes; dirty = true; }
      if (status.capacity?.storage === undefined || status.capacity.storage !== volume.spec?.capacity?.storage) { status.capacity = volume.spec?.capacity; dirty = true; }
    }
    if (!dirty) return claim;
    const next = { ...structuredClone(claim), status } as PersistentVolumeClaim;
    const saved = await this.ctx.client.updateStatus<PersistentVolumeClaim>(PVCS, next, { signal: this.ctx.signal });
    return this.claimsWritten.remember(claimKey(saved), saved);
  }

  // ---- volumes ----

  async syncVolume(volume: PersistentVolume): Promise<void> {
    const ref = volume.spec?.claimRef;
    if (!ref) { await this.updateVolumePhase(volume, "Available", undefined); return; }
    if (!ref.uid) { await this.updateVolumePhase(volume, "Available", undefined); return; } // pre-bound: the claim's sync binds it
    const key = `${ref.namespace ?? ""}/${ref.name ?? ""}`;
    let claim = this.getClaim(key);
    if (!claim) {
      // Not in the cache: it may be brand new. Ask the API server before releasing anything.
      try {
        claim = await this.ctx.client.get<PersistentVolumeClaim>({ ...PVCS, namespace: ref.namespace, name: ref.name! }, { signal: this.ctx.signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined; // deleted and re-created: not ours
    if (!claim) {
      if (volume.status?.phase !== "Released" && volume.status?.phase !== "Failed") volume = await this.updateVolumePhase(volume, "Released", undefined);
      await this.reclaimVolume(volume);
      return;
    }
    const claimedName = claim.spec?.volumeName ?? "";
    if (!claimedName) {
      if (volumeModeMismatch(claim, volume)) {
        this.event(volume, "Warning", "VolumeMismatch", `Cannot bind PersistentVolume to requested PersistentVolumeClaim ${JSON.stringify(claim.metadata.name)} due to incompatible volumeMode.`);
        this.event(claim, "Warning", "VolumeMismatch", `Cannot bind PersistentVolume ${JSON.stringify(volume.metadata.name)} due to incompatible volumeMode.`);
        return;
      }
      // The volume names the claim but the claim is not bound yet (e.g. a provisioner just created it): finish from the claim's side.
      await this.syncClaim(claim);
      return;
    }
    if (claimedName === volume.metadata.name) { await this.updateVolumePhase(volume, "Bound", undefined); return; }
    // The claim is bound to another volume.
    if (volume.metadata.annotations?.[ANN.provisionedBy] && volume.spec?.persistentVolumeReclaimPolicy === "Delete") {
      if (volume.status?.phase !== "Released" && volume.status?.phase !== "Failed") volume = await this.updateVolumePhase(volume, "Released", undefined);
      await this.reclaimVolume(volume);
      return;
    }
    await this.unbindVolume(volume);
  }

  /** Upstream unbindVolume: a controller binding is dropped; a user's pre-binding keeps the name and loses the uid. */
  private async unbindVolume(volume: PersistentVolume): Promise<void> {
    const next = structuredClone(volume) as PersistentVolume;
    if (volume.metadata.annotations?.[ANN.boundByController]) {
      delete next.spec!.claimRef;
      const annotations = { ...next.metadata.annotations };
      delete annotations[ANN.boundByController];
      next.metadata.annotations = Object.keys(annotations).length ? annotations : undefined;
    } else {
      next.spec!.claimRef = { ...next.spec!.claimRef, uid: "" };
    }
    const saved = await this.writeVolume(next);
    await this.updateVolumePhase(saved, "Available", undefined);
  }

  private async reclaimVolume(volume: PersistentVolume): Promise<void> {
    switch (volume.spec?.persistentVolumeReclaimPolicy ?? "Retain") {
      case "Retain":
        return;
      case "Recycle":
        await this.updateVolumePhaseWithEvent(volume, "Failed", "VolumeFailedRecycle", "No recycler plugin found for the volume!");
        return;
      case "Delete":
        // A provisioned volume is deleted by its (external) provisioner; lite has no in-tree deleter.
        if (volume.metadata.annotations?.[ANN.provisionedBy]) return;
        await this.updateVolumePhaseWithEvent(volume, "Failed", "VolumeFailedDelete",
          `error getting deleter volume plugin for volume ${JSON.stringify(volume.metadata.name)}: no deletable volume plugin matched`);
        return;
    }
  }

  private async updateVolumePhaseWithEvent(volume: PersistentVolume, phase: VolumePhase, reason: string, message: string): Promise<void> {
    if (volume.status?.phase === phase) return;
    this.event(volume, "Warning", reason, message);
    await this.updateVolumePhase(volume, phase, message);
  }

  private async updateVolumePhase(volume: PersistentVolume, phase: VolumePhase, message: string | undefined): Promise<PersistentVolume> {
    if (volume.status?.phase === phase && (message === undefined || volume.status.message === message)) return volume;
    const status = { ...volume.status, phase, lastPhaseTransitionTime: formatTime(this.now()) };
    if (message !== undefined) status.message = message;
    else delete status.message;
    const next = { ...structuredClone(volume), status } as PersistentVolume;
    const saved = await this.ctx.client.updateStatus<PersistentVolume>(PVS, next, { signal: this.ctx.signal });
    return this.volumesWritten.remember(saved.metadata.name!, saved);
  }

  // ---- writes and events ----

  private async writeClaim(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    const saved = await this.ctx.client.update<PersistentVolumeClaim>(PVCS, claim, { signal: this.ctx.signal });
    return this.claimsWritten.remember(claimKey(saved), saved);
  }

  private async writeVolume(volume: PersistentVolume): Promise<PersistentVolume> {
    const saved = await this.ctx.client.update<PersistentVolume>(PVS, volume, { signal: this.ctx.signal });
    return this.volumesWritten.remember(saved.metadata.name!, saved);
  }

  private event(obj: PersistentVolume | PersistentVolumeClaim, type: "Normal" | "Warning", reason: string, message: string): void {
    const kind = obj.metadata.namespace ? "PersistentVolumeClaim" : "PersistentVolume";
    this.ctx.events.event({ ...obj, apiVersion: "v1", kind }, type, reason, message);
  }
}
