/**
 * Upstream's BasicLongRunningRequestCheck as kube-apiserver configures it: the verbs watch and
 * proxy, and the subresources attach, exec, proxy, log and portforward (a log GET is long-running
 * whether it follows or not). Long-running requests are not counted against in-flight limits.
 */
import type { RequestInfo } from "../request/request-info.ts";

const LONG_RUNNING_VERBS = new Set(["watch", "proxy"]);
const LONG_RUNNING_SUBRESOURCES = new Set(["attach", "exec", "proxy", "log", "portforward"]);

export function isLongRunning(info: RequestInfo): boolean {
  if (LONG_RUNNING_VERBS.has(info.verb)) return true;
  return info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource);
}
