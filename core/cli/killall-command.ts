import { ConfigError } from "../config/config-error.ts";
import { killall } from "../agent/killall/killall.ts";
import { dataDirOf, type CommandIo } from "./images-command.ts";
import { parseSubcommandArgs } from "./subcommand-args.ts";

export const KILLALL_HELP = `lite killall - stop everything lite started on this node

USAGE: lite killall [-d DATA_DIR]

FLAGS:
  -d, --data-dir value   Data dir of lite (default: /var/lib/lite; $LITE_DATA_DIR)
  -h, --help             Show this help

Stops lite's containerd and every container it runs (their shims), deletes the pods' network
devices and lite's nftables tables, and unmounts everything under <data-dir>/agent. Only what
belongs to this data dir is touched; data is kept. Stop lite itself first. Safe to run twice.`;

/** `lite killall`: exit 0 when everything was cleaned, 1 when something could not be. */
export async function runKillallCommand(argv: string[], io: CommandIo): Promise<number> {
  let args;
  try {
    args = parseSubcommandArgs(argv, [{ name: "data-dir", short: "d" }], "lite killall --help");
  } catch (err) {
    if (err instanceof ConfigError) {
      io.error(`lite killall: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    io.log(KILLALL_HELP);
    return 0;
  }
  if (args.positionals.length) {
    io.error(`lite killall: unexpected argument ${JSON.stringify(args.positionals[0])}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    io.error("lite killall: must run as root (it stops containers and unmounts file systems)");
    return 1;
  }
  const dataDir = dataDirOf(args.values);
  const report = await killall({ dataDir, log: io.log, warn: (w) => io.error(`lite killall: ${w}`) });
  if (report.actions.length === 0 && report.warnings.length === 0) io.log(`nothing of lite (data dir ${dataDir}) is running or mounted`);
  return report.warnings.some((w) => w.startsWith("could not")) ? 1 : 0;
}
