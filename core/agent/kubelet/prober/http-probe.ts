/**
 * The httpGet probe (upstream pkg/probe/http DoHTTPProbe): 200 <= status < 400 succeeds; a 3xx
 * left unfollowed (redirect to another host) is a success with a warning; any other status
 * fails with `HTTP probe failed with statuscode: N` (never the body: it may hold secrets); a
 * transport failure (refused, timeout, ...) is a failure carrying Go's error text; a body that
 * cannot be read is a prober error.
 */
import { httpGet, type HttpGetRequest } from "./http-get.ts";
import type { ProbeOutcome } from "./probe-types.ts";

export async function httpProbe(req: HttpGetRequest, timeoutSeconds: number): Promise<ProbeOutcome> {
  const res = await httpGet(req, { timeoutMs: timeoutSeconds * 1000 });
  if (!res.ok) return res.stage === "body" ? { result: "failure", output: "", error: res.error } : { result: "failure", output: res.error };
  if (res.status >= 200 && res.status < 400) {
    if (res.status >= 300) return { result: "warning", output: `Probe terminated redirects, Response body: ${res.body}` };
    return { result: "success", output: res.body };
  }
  return { result: "failure", output: `HTTP probe failed with statuscode: ${res.status}` };
}
