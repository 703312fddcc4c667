import { GIT_SHA, KUBERNETES_VERSION as K8S, LITE_VERSION } from "../../version.ts";

/** The version this server reports. kubectl's dispatcher picks its binary from `minor`, so it must stay "32". */

export interface VersionInfo {
  readonly major: string;
  readonly minor: string;
  readonly gitVersion: string;
  readonly gitCommit: string;
  readonly gitTreeState: string;
  readonly buildDate: string;
  readonly goVersion: string;
  readonly compiler: string;
  readonly platform: string;
}

function platform(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return `${process.platform}/${arch}`;
}

/** `/version` body; reused by the CLI's `lite --version`. */
export const KUBERNETES_VERSION: VersionInfo = Object.freeze({
  major: K8S.major,
  minor: K8S.minor,
  gitVersion: LITE_VERSION,
  gitCommit: GIT_SHA,
  gitTreeState: "clean",
  buildDate: "2025-04-22T00:00:00Z",
  goVersion: `bun${typeof Bun === "undefined" ? "" : Bun.version}`,
  compiler: "bun",
  platform: platform(),
});
