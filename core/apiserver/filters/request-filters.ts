/**
 * The filters every authenticated API request passes before `ApiServer.handle`, in upstream order:
 * audit (outermost, so 429s are recorded), then the in-flight limits. Built once per server from
 * its settings; with neither configured, requests go straight through.
 */
import type { UserInfo } from "../authz/types.ts";
import { parseRequestInfo } from "../request/request-info.ts";
import { startEvent, stageEvent } from "./audit-event.ts";
import type { AuditLog } from "./audit-log.ts";
import { isLongRunning } from "./long-running.ts";
import type { MaxInflight } from "./max-inflight.ts";
import { pushBodyOf } from "../transport/push-body.ts";

export interface RequestFiltersOptions {
  readonly audit?: AuditLog;
  readonly inflight?: MaxInflight;
}

export type NextHandler = () => Promise<Response>;

export interface RequestFilters {
  /** Runs `next` (the API server) through the filters. `sourceIP` is the client's address. */
  handle(req: Request, user: UserInfo | undefined, sourceIP: string, next: NextHandler): Promise<Response>;
}

export function createRequestFilters(options: RequestFiltersOptions): RequestFilters {
  const { audit, inflight } = options;
  if (!audit && !inflight) return { handle: (_req, _user, _ip, next) => next() };
  return {
    async handle(req, user, sourceIP, next) {
      const received = audit ? new Date() : undefined;
      const url = new URL(req.url);
      const info = parseRequestInfo(req.method, url);
      const res = inflight ? await inflight.run(info, user, next, req, url) : await next();
      if (!audit) return res;
      const start = startEvent(req, url, info, user, sourceIP, received!);
      try {
        res.headers.set("Audit-Id", start.auditID);
      } catch {
        // immutable headers: the event is still logged
      }
      if (!isLongRunning(info) || !res.body || res.status === 101) {
        audit.write(stageEvent(start, "ResponseComplete", res.status, new Date()));
        return res;
      }
      // Long-running: ResponseStarted now, ResponseComplete when the stream ends.
      audit.write(stageEvent(start, "ResponseStarted", res.status, new Date()));
      const complete = () => audit.write(stageEvent(start, "ResponseComplete", res.status, new Date()));
      // A pushed body (a watch) stays takeable by the transport (transport/push-body.ts).
      const pushed = pushBodyOf(res);
      if (pushed) {
        pushed.onClose(complete);
        return res;
      }
      return new Response(tapEnd(res.body, complete), {
        status: res.status, statusText: res.statusText, headers: res.headers,
      });
    },
  };
}

/** `body` unchanged, calling `onEnd` once when it ends, fails or is cancelled. */
function tapEnd(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => { if (!ended) { ended = true; onEnd(); } };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) { end(); controller.close(); } else controller.enqueue(value);
      } catch (err) {
        end();
        controller.error(err);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}
