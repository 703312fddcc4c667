/** Which binding subjects a user matches (upstream appliesTo), as index keys. */
import type { UserInfo } from "../../../apiserver/authz/types.ts";
import type { Subject } from "./types.ts";

const SA_PREFIX = "system:serviceaccount:";

/** A subject as an index key: a user name (service accounts as their user name) or a group name. */
export interface SubjectKey {
  readonly group: boolean;
  readonly name: string;
}

/**
 * The index key of a binding subject. ServiceAccount subjects without a namespace default to the
 * binding's namespace (none for ClusterRoleBindings: such a subject matches nobody).
 */
export function subjectKey(subject: Subject, bindingNamespace: string): SubjectKey | undefined {
  switch (subject.kind) {
    case "User": return { group: false, name: subject.name };
    case "Group": return { group: true, name: subject.name };
    case "ServiceAccount": {
      const ns = subject.namespace || bindingNamespace;
      return ns ? { group: false, name: `${SA_PREFIX}${ns}:${subject.name}` } : undefined;
    }
    default: return undefined;
  }
}

/** Upstream describeSubject, for `RBAC: allowed by ...` reasons. */
export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === "ServiceAccount") return `${subject.kind} "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

/** The first subject of a binding that applies to the user (for reasons). */
export function appliesTo(user: UserInfo, subjects: readonly Subject[], bindingNamespace: string): Subject | undefined {
  for (const s of subjects) {
    const k = subjectKey(s, bindingNamespace);
    if (k && (k.group ? user.groups.includes(k.name) : user.username === k.name)) return s;
  }
  return undefined;
}
