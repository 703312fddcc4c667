/**
 * Name acceptance (apiextensions' naming controller): a CRD's requested names are accepted
 * unless another CRD of the same group already accepted the same plural/singular, kind/listKind
 * or short names. Returns the accepted names and the NamesAccepted condition.
 */
import type { CRDCondition, CRDNames, CRDObject } from "./types.ts";

export interface NamesResult {
  readonly acceptedNames: CRDNames;
  readonly condition: Omit<CRDCondition, "lastTransitionTime">;
}

export function computeAcceptedNames(crd: CRDObject, others: readonly CRDObject[]): NamesResult {
  const group = crd.spec.group;
  const taken = { resources: new Set<string>(), kinds: new Set<string>() };
  for (const o of others) {
    if (o.metadata.name === crd.metadata.name || o.spec?.group !== group) continue;
    const a = o.status?.acceptedNames;
    if (!a) continue;
    for (const n of [a.plural, a.singular, ...(a.shortNames ?? [])]) if (n) taken.resources.add(n);
    for (const n of [a.kind, a.listKind]) if (n) taken.kinds.add(n);
  }
  const requested = crd.spec.names;
  const previous = crd.status?.acceptedNames ?? { plural: "", kind: "" };
  const accepted: CRDNames = { ...previous };
  let condition: NamesResult["condition"] | undefined;
  const conflict = (reason: string, message: string) => { condition = { type: "NamesAccepted", status: "False", reason, message }; };

  if (taken.resources.has(requested.plural)) conflict("PluralConflict", `"${requested.plural}" is already in use`);
  else if (requested.singular && taken.resources.has(requested.singular)) conflict("SingularConflict", `"${requested.singular}" is already in use`);
  else { accepted.plural = requested.plural; accepted.singular = requested.singular; }

  if (taken.kinds.has(requested.kind)) conflict("KindConflict", `"${requested.kind}" is already in use`);
  else if (requested.listKind && taken.kinds.has(requested.listKind)) conflict("ListKindConflict", `"${requested.listKind}" is already in use`);
  else { accepted.kind = requested.kind; accepted.listKind = requested.listKind; }

  const mine = new Set(previous.shortNames ?? []);
  const shortErrs = (requested.shortNames ?? []).filter((s) => !mine.has(s) && taken.resources.has(s)).map((s) => `"${s}" is already in use`);
  if (shortErrs.length) conflict("ShortNamesConflict", shortErrs.length === 1 ? (shortErrs[0] as string) : `[${shortErrs.join(", ")}]`);
  else if (requested.shortNames) accepted.shortNames = [...requested.shortNames];
  else delete accepted.shortNames;

  if (requested.categories) accepted.categories = [...requested.categories];
  else delete accepted.categories;

  return { acceptedNames: accepted, condition: condition ?? { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" } };
}
