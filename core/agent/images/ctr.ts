/**
 * Runs Debian's `ctr` against lite's containerd in the CRI namespace (k8s.io), where the kubelet
 * sees images. Contract: resolves with the exit code and captured output; never throws for a
 * non-zero exit (only when the binary is missing).
 */
export const CRI_NAMESPACE = "k8s.io";

export interface CtrResult { readonly code: number; readonly stdout: string; readonly stderr: string }

export async function runCtr(socket: string, args: readonly string[], ctrBinary = "ctr", stdin?: ReadableStream<Uint8Array>): Promise<CtrResult> {
  const proc = Bun.spawn([ctrBinary, "--address", socket, "--namespace", CRI_NAMESPACE, ...args], { stdin: stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** The last meaningful line ctr printed on failure, without its "ctr: " prefix. */
export function ctrError(r: CtrResult): string {
  const line = r.stderr.trim().split("\n").filter(Boolean).pop() ?? `ctr exited with code ${r.code}`;
  return line.replace(/^ctr: /, "");
}
