/** Upstream nodeidentifier: `system:node:<name>` in group `system:nodes` is node <name>. */
import type { UserInfo } from "../../../apiserver/authz/types.ts";

export const NODES_GROUP = "system:nodes";
const PREFIX = "system:node:";

/** The node name of a node identity; `undefined` if the user is not a node, "" if the name is missing. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.username.startsWith(PREFIX)) return undefined;
  if (!user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(PREFIX.length);
}
