/**
 * `/healthz`, `/livez`, `/readyz` (and `/<endpoint>/<check>`): "ok", or with `?verbose` one
 * `[+]name ok` line per check and a final "<endpoint> check passed". Failing checks give 500.
 */

export interface HealthCheck {
  readonly name: string;
  /** Resolves to undefined when healthy, else a reason (withheld from non-verbose output). */
  check(): Promise<string | undefined> | string | undefined;
}

export type HealthEndpoint = "healthz" | "livez" | "readyz";

/**
 * `observe` is told each check's result (upstream slis.ObserveHealthcheck: `kubernetes_healthcheck`
 * and `kubernetes_healthchecks_total` on /metrics/slis); excluded checks are not run, not observed.
 */
export async function serveHealth(endpoint: HealthEndpoint, checks: readonly HealthCheck[], url: URL, observe?: (name: string, type: HealthEndpoint, ok: boolean) => void): Promise<Response> {
  const parts = url.pathname.split("/").filter(Boolean);
  const only = parts[1];
  const selected = only ? checks.filter((c) => c.name === only || c.name === parts.slice(1).join("/")) : checks;
  const text = (body: string, status = 200) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" } });
  if (only && selected.length === 0) return text("404 page not found\n", 404);
  const excluded = new Set(url.searchParams.getAll("exclude"));
  const lines: string[] = [];
  let failed = false;
  for (const c of selected) {
    if (excluded.has(c.name)) { lines.push(`[+]${c.name} excluded: ok`); continue; }
    let reason: string | undefined;
    try { reason = await c.check(); } catch (err) { reason = (err as Error).message; }
    observe?.(c.name, endpoint, reason === undefined);
    if (reason === undefined) lines.push(`[+]${c.name} ok`);
    else { failed = true; lines.push(`[-]${c.name} failed: reason withheld`); }
  }
  const verbose = url.searchParams.has("verbose") || failed;
  if (!verbose) return text("ok");
  lines.push(failed ? `${endpoint} check failed` : `${endpoint} check passed`);
  return text(`${lines.join("\n")}\n`, failed ? 500 : 200);
}
