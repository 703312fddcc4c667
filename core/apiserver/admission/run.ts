/** Running the chain around one write: mutate (all plugins), validate (all plugins), then commit or abort. */
import type { KObject, ResourceDef } from "../resources/index.ts";
import type { AdmissionAttributes, AdmissionChain } from "./types.ts";

/** Mutating phase only (validating runs later via `runValidation`). */
export async function runMutation(chain: AdmissionChain, attrs: AdmissionAttributes): Promise<void> {
  const admitted: typeof chain.plugins[number][] = [];
  try {
    for (const p of chain.plugins) {
      admitted.push(p);
      if (p.admit) await p.admit(attrs);
    }
  } catch (err) {
    for (const p of admitted) p.aborted?.(attrs);
    throw err;
  }
}

export async function runValidation(chain: AdmissionChain, attrs: AdmissionAttributes): Promise<void> {
  for (const p of chain.plugins) if (p.validate) await p.validate(attrs);
}

export function commitAdmission(chain: AdmissionChain, attrs: AdmissionAttributes, stored: KObject): void {
  for (const p of chain.plugins) p.committed?.(attrs, stored);
}

export function abortAdmission(chain: AdmissionChain, attrs: AdmissionAttributes): void {
  for (const p of chain.plugins) p.aborted?.(attrs);
}

export function notifyDeleted(chain: AdmissionChain, def: ResourceDef, obj: KObject): void {
  for (const p of chain.plugins) p.deleted?.(def, obj);
}
