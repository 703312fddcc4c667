/** Build-time constants. `bun run build` defines LITE_GIT_SHA; under `bun run` it is "dev". */
declare const LITE_GIT_SHA: string | undefined;

/** The Kubernetes release lite tracks; `/version` reports major/minor from it. */
export const KUBERNETES_VERSION = { major: "1", minor: "32", patch: "4" } as const;

/** lite's own version: the Kubernetes version with the `+lite1` build suffix, as K3s does with `+k3s1`. */
export const LITE_VERSION = `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}+lite1`;

export const GIT_SHA: string = typeof LITE_GIT_SHA === "string" && LITE_GIT_SHA !== "" ? LITE_GIT_SHA : "dev";

/** The line `lite --version` prints. */
export function versionLine(): string {
  return `lite version ${LITE_VERSION} (${GIT_SHA})`;
}
