/**
 * Opaque list continue tokens (as upstream: base64 JSON with the pinned revision and the next
 * start key, relative to the list prefix).
 */
import { apiErrors } from "../../errors/index.ts";

/**
 * The revision of an inconsistent continue token (upstream: resourceVersion -1): the one a 410 for
 * a compacted token carries. The list goes on from the same key at the latest revision.
 */
export const LATEST_REVISION = -1;

export interface ContinueState {
  /** The pinned revision, or LATEST_REVISION. */
  readonly revision: number;
  /** Key suffix (relative to the list prefix) to start from, inclusive. */
  readonly start: string;
}

export function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: state.revision, start: state.start })).toString("base64url");
}

export function decodeContinue(token: string): ContinueState {
  try {
    const raw = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: string; rv?: number; start?: string };
    if (raw.v !== "meta.k8s.io/v1" || typeof raw.rv !== "number" || typeof raw.start !== "string" || raw.start.includes("..")) throw new Error("bad");
    return { revision: raw.rv, start: raw.start };
  } catch {
    throw apiErrors.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
}

export const EXPIRED_CONTINUE_MESSAGE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";
