import { dataDirOf, liteContainerdSocket, type CommandIo } from "./images-command.ts";
import { CRI_NAMESPACE } from "../agent/images/ctr.ts";

export const CTR_HELP = `lite ctr - containerd's ctr against lite's containerd

USAGE: lite ctr [-d DATA_DIR] CTR_ARGS...

Runs \`ctr --address <data-dir>/agent/run/containerd/containerd.sock --namespace ${CRI_NAMESPACE} CTR_ARGS...\`
(namespace ${CRI_NAMESPACE}: where the kubelet's pods and images live). -d/--data-dir (default
/var/lib/lite; $LITE_DATA_DIR) is read only before the ctr arguments; everything after goes to ctr.
Example: lite ctr images ls`;

/** `lite ctr ARGS...`: passes stdio through and returns ctr's exit code. */
export async function runCtrCommand(argv: string[], io: CommandIo): Promise<number> {
  const values = new Map<string, string[]>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-d" || arg === "--data-dir") {
      const value = argv[++i];
      if (value === undefined) {
        io.error(`lite ctr: flag ${arg} needs a value`);
        return 2;
      }
      values.set("data-dir", [value]);
    } else if (arg.startsWith("--data-dir=")) values.set("data-dir", [arg.slice("--data-dir=".length)]);
    else break;
  }
  const rest = argv.slice(i);
  if (rest.length === 0 || (rest.length === 1 && (rest[0] === "-h" || rest[0] === "--help"))) {
    io.log(CTR_HELP);
    return rest.length ? 0 : 2;
  }
  const found = await liteContainerdSocket(dataDirOf(values));
  if ("error" in found) {
    io.error(`lite ctr: ${found.error}`);
    return 1;
  }
  let proc;
  try {
    proc = Bun.spawn(["ctr", "--address", found.socket, "--namespace", CRI_NAMESPACE, ...rest], { stdio: ["inherit", "inherit", "inherit"] });
  } catch (err) {
    io.error(`lite ctr: cannot run ctr (Debian package containerd): ${(err as Error).message}`);
    return 1;
  }
  return await proc.exited;
}
