/**
 * Which volume a claim may bind to (upstream component-helpers FindMatchingVolume, the PV
 * controller's access-mode index and checkVolumeSatisfyClaim).
 */
import type { Node } from "@lite/sdk";
import { compareQuantities, parseQuantity, type Quantity } from "../../apiserver/machinery/quantity.ts";
import { selectorMatches } from "../replicaset/label-selector.ts";
import { nodeSelectorTermsMatch } from "../../scheduler/helpers/selectors.ts";
import { claimClass, isVolumeBoundToClaim, volumeClass, type PersistentVolume, type PersistentVolumeClaim } from "./types.ts";

const ZERO = parseQuantity("0");

export function storageQuantity(q: string | undefined): Quantity {
  if (q === undefined) return ZERO;
  try { return parseQuantity(q); } catch { return ZERO; }
}

const requested = (claim: PersistentVolumeClaim) => storageQuantity(claim.spec?.resources?.requests?.storage);
const capacity = (volume: PersistentVolume) => storageQuantity(volume.spec?.capacity?.storage);

/** Upstream CheckVolumeModeMismatches: both default to Filesystem. */
export function volumeModeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec?.volumeMode ?? "Filesystem") !== (volume.spec?.volumeMode ?? "Filesystem");
}

/** Upstream CheckAccessModes: every mode the claim asks for is one the volume offers. */
export function accessModesMatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/** The volume's required node affinity against a node (upstream CheckNodeAffinity). */
export function nodeAffinityMatches(volume: PersistentVolume, node: Node): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return nodeSelectorTermsMatch(terms, node);
}

/** Why a volume the claim names in spec.volumeName cannot serve it (upstream checkVolumeSatisfyClaim), or undefined. */
export function volumeSatisfiesClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (volume.metadata.deletionTimestamp) return `the volume is marked for deletion ${JSON.stringify(volume.metadata.name)}`;
  if (compareQuantities(capacity(volume), requested(claim)) < 0) return "requested PV is too small";
  if (volumeClass(volume) !== claimClass(claim)) return "storageClassName does not match";
  if (volumeModeMismatch(claim, volume)) return "incompatible volumeMode";
  if (!accessModesMatch(claim, volume)) return "incompatible accessMode";
  return undefined;
}

/**
 * The volume for an unbound claim: one pre-bound to it (claimRef naming it), else the smallest
 * Available volume with enough capacity, the claim's access modes (volumes offering the fewest
 * modes first, as upstream's index), class, volume mode and selector. With `node` (the claim's
 * selected node) the volume's node affinity must match it. A delay-binding claim without a node
 * matches only volumes pre-bound to it.
 */
export function findBestMatch(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], opts: { node?: Node; delayBinding: boolean }): PersistentVolume | undefined {
  const want = requested(claim);
  const wantClass = claimClass(claim);
  const candidates: { volume: PersistentVolume; qty: Quantity; modes: number }[] = [];
  for (const volume of volumes) {
    if (volume.spec?.claimRef && !isVolumeBoundToClaim(volume, claim)) continue;
    const qty = capacity(volume);
    if (compareQuantities(qty, want) < 0) continue;
    if (volumeModeMismatch(claim, volume)) continue;
    if (volume.metadata.deletionTimestamp) continue;
    const affinityOK = !opts.node || nodeAffinityMatches(volume, opts.node);
    if (isVolumeBoundToClaim(volume, claim)) {
      // Pre-bound to this claim: nothing else matters, except that it must suit the chosen node.
      return affinityOK ? volume : undefined;
    }
    if (!opts.node && opts.delayBinding) continue;
    if (volume.status?.phase !== "Available") continue;
    if (claim.spec?.selector && !selectorMatches(claim.spec.selector, volume.metadata.labels)) continue;
    if (volumeClass(volume) !== wantClass) continue;
    if (!affinityOK) continue;
    if (!accessModesMatch(claim, volume)) continue;
    candidates.push({ volume, qty, modes: new Set(volume.spec?.accessModes ?? []).size });
  }
  candidates.sort((a, b) => a.modes - b.modes || compareQuantities(a.qty, b.qty) || (a.volume.metadata.name ?? "").localeCompare(b.volume.metadata.name ?? ""));
  return candidates[0]?.volume;
}
