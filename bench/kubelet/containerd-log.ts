/**
 * The CRI calls of each pod as containerd logged them (info level, nanosecond time stamps): when
 * RunPodSandbox, CreateContainer and StartContainer began and returned, in wall ms. The gaps between
 * them are the kubelet's own work; the calls themselves are the runtime's (runc, CNI, snapshots).
 *
 * Lines read (containerd 1.6 CRI plugin, logrus text format):
 *   time="T" level=info msg="RunPodSandbox for &PodSandboxMetadata{Name:N,Uid:U,Namespace:NS,Attempt:0,}"
 *   ... msg="RunPodSandbox for &PodSandboxMetadata{...} returns sandbox id \"S\""
 *   ... msg="CreateContainer within sandbox \"S\" for container &ContainerMetadata{Name:C,Attempt:0,}"
 *   ... msg="CreateContainer within sandbox \"S\" for &ContainerMetadata{Name:C,Attempt:0,} returns container id \"K\""
 *   ... msg="StartContainer for \"K\"" / msg="StartContainer for \"K\" returns successfully"
 * Only a pod's first sandbox and the first container created in it are kept.
 */
export interface RuntimeCalls {
  sandboxStart?: number;
  sandboxEnd?: number;
  createStart?: number;
  createEnd?: number;
  startStart?: number;
  startEnd?: number;
}

/** `2026-11-28T01:18:01.766952993Z` → epoch ms with the sub-millisecond part kept. */
export function parseNanoTime(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(s);
  if (!m) return NaN;
  return Date.parse(`${m[1]}Z`) + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

const LINE = /^time="([^"]+)" level=\w+ msg="(.*)"$/;
const RUN = /^RunPodSandbox for &PodSandboxMetadata\{Name:[^,]*,Uid:([^,]*),.*?\}( returns sandbox id \\"([0-9a-f]+)\\")?$/;
const CREATE = /^CreateContainer within sandbox \\"([0-9a-f]+)\\" for (?:container )?&ContainerMetadata\{Name:[^,]*,Attempt:\d+,\}( returns container id \\"([0-9a-f]+)\\")?$/;
const START = /^StartContainer for \\"([0-9a-f]+)\\"( returns successfully)?$/;

/** Pod uid → its CRI call times. */
export function parseCriCalls(log: string): Map<string, RuntimeCalls> {
  const byUid = new Map<string, RuntimeCalls>();
  const uidOfSandbox = new Map<string, string>();
  const uidOfContainer = new Map<string, string>();
  const callsOfSandbox = (sandbox: string) => byUid.get(uidOfSandbox.get(sandbox) ?? "");
  for (const line of log.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const at = parseNanoTime(m[1]!);
    const msg = m[2]!;
    let r: RegExpExecArray | null;
    if ((r = RUN.exec(msg))) {
      const uid = r[1]!;
      if (!byUid.has(uid)) byUid.set(uid, {});
      const calls = byUid.get(uid)!;
      if (!r[2]) calls.sandboxStart ??= at;
      else if (calls.sandboxEnd === undefined) {
        calls.sandboxEnd = at;
        uidOfSandbox.set(r[3]!, uid);
      }
    } else if ((r = CREATE.exec(msg))) {
      const calls = callsOfSandbox(r[1]!);
      if (!calls) continue;
      if (!r[2]) calls.createStart ??= at;
      else if (calls.createEnd === undefined) {
        calls.createEnd = at;
        uidOfContainer.set(r[3]!, uidOfSandbox.get(r[1]!)!);
      }
    } else if ((r = START.exec(msg))) {
      const calls = byUid.get(uidOfContainer.get(r[1]!) ?? "");
      if (!calls) continue;
      if (!r[2]) calls.startStart ??= at;
      else calls.startEnd ??= at;
    }
  }
  return byUid;
}
