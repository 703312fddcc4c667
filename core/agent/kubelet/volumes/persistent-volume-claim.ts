/**
 * persistentVolumeClaim and generic ephemeral volumes (upstream desired_state_of_world_populator createVolumeSpec and
 * the hostPath / local plugins): the claim must exist, not be terminating, be Bound to a PV whose
 * claimRef points back at it; lite serves PVs of type hostPath (the path itself) and local (the
 * path, which must exist, bind-mounted into the pod dir, on a node matching the PV's affinity).
 * Errors carry upstream's text; `stage` tells which upstream step reports them.
 */
import { existsSync } from "node:fs";
import { builtinResources, ephemeralClaimError, type ApiClient, type KubeObject, type Node, type NodeSelectorTerm } from "@lite/sdk";
import { nodeSelectorTermsMatch } from "../../../scheduler/helpers/selectors.ts";
import { errorMessage, SetUpError } from "./errors.ts";
import { hasBacksteps } from "./host-path.ts";
import { PLUGINS } from "./layout.ts";

type Claim = KubeObject & { spec?: { volumeName?: string }; status?: { phase?: string } };
type PersistentVolume = KubeObject & {
  spec?: {
    claimRef?: { uid?: string; name?: string; namespace?: string };
    hostPath?: { path: string; type?: string };
    local?: { path: string };
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
  };
};

/** A claim resolved to the PV behind it. */
export interface ClaimVolume {
  /** The PV's name: upstream names the volume by it in events and on disk. */
  readonly pvName: string;
  readonly plugin: typeof PLUGINS.hostPath | typeof PLUGINS.local;
  readonly path: string;
  readonly hostPathType?: string;
  readonly readOnly: boolean;
  /** The PV's required node affinity terms, if any. */
  readonly nodeAffinity?: readonly NodeSelectorTerm[];
}

/**
 * Follows the claim to its PV. Throws SetUpError (stage Process) with upstream's text. `ephemeralFor`:
 * the pod whose generic ephemeral volume this claim is; it must own the claim.
 */
export async function resolveClaim(client: ApiClient, namespace: string, claimName: string, readOnly: boolean, ephemeralFor?: KubeObject): Promise<ClaimVolume> {
  const fail = (msg: string): never => { throw new SetUpError(`error processing PVC ${namespace}/${claimName}: ${msg}`, "Process"); };
  let claim: Claim;
  try {
    claim = await client.get<Claim>({ ...builtinResources.persistentVolumeClaims, namespace, name: claimName });
  } catch (err) {
    return fail(`failed to fetch PVC from API server: ${errorMessage(err)}`);
  }
  const notForPod = ephemeralFor ? ephemeralClaimError(ephemeralFor, claim) : undefined;
  if (notForPod) throw new SetUpError(notForPod, "Process");
  if (claim.metadata.deletionTimestamp) fail("PVC is being deleted");
  if (claim.status?.phase !== "Bound") fail("PVC is not bound");
  const pvName = claim.spec?.volumeName ?? "";
  if (!pvName) fail("PVC has empty pvc.Spec.VolumeName");
  let pv: PersistentVolume;
  try {
    pv = await client.get<PersistentVolume>({ ...builtinResources.persistentVolumes, name: pvName });
  } catch (err) {
    return fail(`failed to fetch PV ${pvName} from API server: ${errorMessage(err)}`);
  }
  const ref = pv.spec?.claimRef;
  if (!ref) fail(`found PV object ${pvName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`);
  if (ref!.uid !== claim.metadata.uid) fail(`found PV object ${pvName} but its pv.Spec.ClaimRef.UID ${ref!.uid ?? ""} does not point to claim.UID ${claim.metadata.uid ?? ""}`);
  const nodeAffinity = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (pv.spec?.hostPath) return { pvName, plugin: PLUGINS.hostPath, path: pv.spec.hostPath.path, hostPathType: pv.spec.hostPath.type, readOnly, nodeAffinity };
  if (pv.spec?.local) return { pvName, plugin: PLUGINS.local, path: pv.spec.local.path, readOnly, nodeAffinity };
  throw new SetUpError(`failed to get Plugin from volumeSpec for volume ${JSON.stringify(pvName)} err=no volume plugin matched`, "Process");
}

/** The PV's node affinity against this node (upstream CheckNodeAffinity). */
export function checkNodeAffinity(terms: readonly NodeSelectorTerm[] | undefined, node: KubeObject): void {
  if (!terms) return;
  if (!nodeSelectorTermsMatch(terms, node as Node)) throw new SetUpError("no matching NodeSelectorTerms", "NodeAffinity");
}

/** local PVs: the path must be clean and exist (upstream NewMounter / SetUpAt checks). */
export function checkLocalPath(path: string, volumeName: string): void {
  if (!path) throw new SetUpError(`LocalVolume volume ${JSON.stringify(volumeName)} path is empty`);
  if (hasBacksteps(path)) throw new SetUpError(`invalid path: ${path} must not contain '..'`);
  if (!existsSync(path)) throw new SetUpError(`path ${JSON.stringify(path)} does not exist`, "NewMounter");
}
