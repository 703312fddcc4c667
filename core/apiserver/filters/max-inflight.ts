/**
 * `--max-requests-inflight` / `--max-mutating-requests-inflight` (upstream WithMaxInFlightLimit), used
 * with `--enable-priority-and-fairness=false` (otherwise apiserver/flowcontrol/apf.ts limits):
 * two counters, read-only verbs (get, list, watch) and everything else. A request beyond its limit
 * gets 429 TooManyRequests with `Retry-After: 1`, unless its user is in system:masters (upstream:
 * "a system:master is so powerful that they should always get an answer"). Long-running requests
 * are not counted. A limit of 0 means no limit. A slot is held until the inner handler returns.
 */
import type { UserInfo } from "../authz/types.ts";
import { apiErrors } from "../errors/index.ts";
import type { RequestInfo } from "../request/request-info.ts";
import { errorResponse } from "../rest/respond.ts";
import { isLongRunning } from "./long-running.ts";

export interface MaxInflightOptions {
  readonly maxReadOnly: number;
  readonly maxMutating: number;
  /** Told of each request answered 429 (upstream RecordDroppedRequest: apiserver_request_total code 429). */
  readonly onReject?: (info: RequestInfo, req: Request | undefined, url: URL | undefined) => void;
}

const READ_ONLY_VERBS = new Set(["get", "list", "watch"]);
/** get, list and watch: what the read-only limits (and APF's read-only seat widths) count. */
export const isReadOnlyVerb = (verb: string): boolean => READ_ONLY_VERBS.has(verb);
const PRIVILEGED_GROUP = "system:masters";

export interface MaxInflight {
  /** Runs `next` within the limits, or answers 429 (`req`/`url`: the request, for `onReject`). */
  run(info: RequestInfo, user: UserInfo | undefined, next: () => Promise<Response>, req?: Request, url?: URL): Promise<Response>;
  /** Requests counted now (for tests and metrics). */
  inflight(): { readOnly: number; mutating: number };
}

export function createMaxInflight(options: MaxInflightOptions): MaxInflight {
  let readOnly = 0;
  let mutating = 0;
  return {
    async run(info, user, next, req, url) {
      if (isLongRunning(info)) return next();
      const isMutating = !isReadOnlyVerb(info.verb);
      const limit = isMutating ? options.maxMutating : options.maxReadOnly;
      if (limit <= 0) return next();
      const current = isMutating ? mutating : readOnly;
      if (current >= limit) {
        if (user?.groups.includes(PRIVILEGED_GROUP)) return next();
        options.onReject?.(info, req, url);
        return errorResponse(apiErrors.tooManyRequests("Too many requests, please try again later.", 1));
      }
      if (isMutating) mutating++;
      else readOnly++;
      try {
        return await next();
      } finally {
        if (isMutating) mutating--;
        else readOnly--;
      }
    },
    inflight: () => ({ readOnly, mutating }),
  };
}
