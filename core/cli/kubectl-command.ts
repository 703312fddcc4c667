import { existsSync } from "node:fs";

/** Where `lite server` writes the admin kubeconfig by default. */
export const DEFAULT_KUBECONFIG = "/etc/lite/lite.yaml";

/**
 * `lite kubectl ...`: runs the system kubectl with the admin kubeconfig when KUBECONFIG is unset
 * (as `k3s kubectl` does). Exits with kubectl's exit code.
 */
export async function kubectlCommand(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const kubectl = Bun.which("kubectl", { PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin" });
  if (!kubectl) {
    console.error("lite kubectl: no kubectl found on PATH (install kubectl, or use the one your cluster tooling provides)");
    return 1;
  }
  const childEnv = { ...env };
  if (!childEnv.KUBECONFIG) {
    if (!existsSync(DEFAULT_KUBECONFIG)) {
      console.error(`lite kubectl: KUBECONFIG is unset and ${DEFAULT_KUBECONFIG} does not exist (is lite server running?)`);
      return 1;
    }
    childEnv.KUBECONFIG = DEFAULT_KUBECONFIG;
  }
  const child = Bun.spawn([kubectl, ...argv], { env: childEnv, stdio: ["inherit", "inherit", "inherit"] });
  return await child.exited;
}
