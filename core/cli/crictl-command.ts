/**
 * `lite crictl`: crictl's node-debugging commands over lite's containerd CRI socket (Debian has no
 * cri-tools package; K3s ships the real crictl). Same commands, flags, table columns and JSON as
 * cri-tools prints them, for the subset listed in CRICTL_HELP; the commands live in ./crictl/.
 */
import { dataDirOf, liteContainerdSocket, type CommandIo } from "./images-command.ts";
import { CrictlFailure, createCrictlCri, rpcError, type CrictlContext, type CrictlCri } from "./crictl/client.ts";
import { inspect, ps, rm, stop } from "./crictl/containers.ts";
import { exec } from "./crictl/exec.ts";
import { FlagError } from "./crictl/flags.ts";
import { imagefsinfo, images, inspecti, pull, rmi } from "./crictl/images.ts";
import { logs } from "./crictl/logs.ts";
import { inspectp, pods, rmp, stopp } from "./crictl/pods.ts";
import { info, version } from "./crictl/runtime.ts";
import { stats } from "./crictl/stats.ts";

export const CRICTL_HELP = `lite crictl - crictl for lite's containerd (the CRI runtime the kubelet uses)

USAGE: lite crictl [-d DATA_DIR] [-r ENDPOINT] COMMAND [FLAGS] [ARGS]

COMMANDS:
  ps          List containers   [-a] [-q] [-v] [--id ID] [--name RE] [--namespace RE] [-p POD] [--image IMG]
                                [-s created|running|exited|unknown] [--label k=v]... [-l] [-n N] [--no-trunc] [-o json|yaml|table]
  pods        List pod sandboxes [-q] [-v] [--id ID] [--name RE] [--namespace RE] [-s ready|notready] [--label k=v]...
                                [-l] [-n N] [--no-trunc] [-o json|yaml|table]
  images      List images       [-q] [-v] [--digests] [--no-trunc] [--pinned] [-o json|yaml|table] [REPOSITORY]
  inspect     Status of containers     [-o json|yaml|table] [-q] ID... (or the ps filters)
  inspectp    Status of pod sandboxes  [-o json|yaml|table] [-q] ID... (or the pods filters)
  inspecti    Status of images         [-o json|yaml|table] [-q] IMAGE... (or --name)
  info        Runtime status and config [-o json|yaml] [-q]
  version     Runtime name and versions
  stats       Container resource usage [-a] [--id ID] [-p POD] [--label k=v]... [-s SECONDS] [-o json|yaml|table] [ID]
  imagefsinfo Image filesystem usage   [-o json|yaml|table]
  exec        Run a command in a container [-i] [-t] [-s] [--timeout SECONDS] CONTAINER CMD [ARG...]
  logs        A container's log  [-f] [--tail N] [--since TIME|DURATION] [-t] [-p] [--limit-bytes N] [--stream stdout|stderr] [-r] CONTAINER
  pull        Pull an image      [--creds USER[:PASS]] [--auth AUTH] [-u USER] IMAGE
  rmi         Remove images      [-a] [-q/--prune] IMAGE...
  rm          Remove containers  [-f] [-a] [-k] CONTAINER...
  stop        Stop containers    [-t SECONDS] [-a] CONTAINER...
  stopp       Stop pod sandboxes POD...
  rmp         Remove pod sandboxes [-f] [-a] POD...

-d/--data-dir (default /var/lib/lite; $LITE_DATA_DIR) selects the lite whose containerd to use;
-r/--runtime-endpoint (unix:///path.sock) names a CRI socket directly. IDs may be unique prefixes.
Runtime errors exit 1 (exec: the command's exit code), usage errors 2.`;

type Command = (ctx: CrictlContext, argv: string[]) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  ps, pods, images, image: images, img: images, inspect, inspectp, inspecti, info, version, stats, imagefsinfo,
  exec, logs, log: logs, pull, rmi, rm, stop, stopp, rmp,
};

/** Runs one crictl command against `ctx`: 0/1 (or exec's code); usage errors print one line and give 2. */
export async function runCrictl(ctx: CrictlContext, command: string, args: string[]): Promise<number> {
  const run = COMMANDS[command];
  if (!run) {
    ctx.err(`lite crictl: unknown command ${JSON.stringify(command)} (see lite crictl --help)\n`);
    return 2;
  }
  // exec's command may take -h itself: only flags before the container ID count there.
  const first = args.findIndex((a) => !a.startsWith("-"));
  const own = command === "exec" && first >= 0 ? args.slice(0, first) : args;
  if (own.includes("-h") || own.includes("--help")) {
    const line = CRICTL_HELP.split("\n").findIndex((l) => l.startsWith(`  ${command} `));
    ctx.out(line < 0 ? `${CRICTL_HELP}\n` : `${CRICTL_HELP.split("\n").slice(line, line + 2).filter((l, i) => i === 0 || /^ {20,}/.test(l)).join("\n")}\n`);
    return 0;
  }
  try {
    return await run(ctx, args);
  } catch (err) {
    if (err instanceof FlagError) {
      ctx.err(`lite crictl ${command}: ${err.message} (see lite crictl ${command} --help)\n`);
      return 2;
    }
    ctx.err(`lite crictl ${command}: ${err instanceof CrictlFailure ? err.message : rpcError(err)}\n`);
    return 1;
  }
}

export async function runCrictlCommand(argv: string[], io: CommandIo, cri?: CrictlCri): Promise<number> {
  const values = new Map<string, string[]>();
  let endpoint: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const key = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (!["-d", "--data-dir", "-r", "--runtime-endpoint"].includes(key)) break;
    const value = key !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) { io.error(`lite crictl: flag ${arg} needs a value`); return 2; }
    if (key === "-d" || key === "--data-dir") values.set("data-dir", [value]);
    else endpoint = value;
  }
  const [command, ...args] = argv.slice(i);
  if (!command || command === "-h" || command === "--help" || command === "help") {
    io.log(CRICTL_HELP);
    return command ? 0 : 2;
  }
  if (!COMMANDS[command]) {
    io.error(command.startsWith("-") ? `lite crictl: flag provided but not defined: ${command} (see lite crictl --help)` : `lite crictl: unknown command ${JSON.stringify(command)} (see lite crictl --help)`);
    return 2;
  }
  // Connected at the first call: help and usage errors need no running lite.
  let real = cri;
  const dataDir = dataDirOf(values);
  const lazy: CrictlCri = {
    async call(service, method, request, deadlineMs) {
      if (!real) {
        if (!endpoint) {
          const found = await liteContainerdSocket(dataDir);
          if ("error" in found) throw new CrictlFailure(found.error);
          endpoint = `unix://${found.socket}`;
        }
        real = createCrictlCri(endpoint);
      }
      return real.call(service, method, request, deadlineMs);
    },
    close: () => real?.close(),
  };
  const ctx: CrictlContext = {
    cri: lazy,
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    now: () => Date.now(),
    sleep: (ms) => Bun.sleep(ms),
    stdoutIsTty: Boolean(process.stdout.isTTY),
  };
  try {
    return await runCrictl(ctx, command, args);
  } finally {
    lazy.close();
  }
}
