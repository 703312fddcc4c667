import { ConfigError } from "../config/config-error.ts";
import { resolveSettings } from "../config/resolve-settings.ts";
import { toAgentSettings, toServerSettings } from "../config/settings.ts";
import { createLogger } from "../log/logger.ts";
import { runServer } from "../server/run-server.ts";
import { runAgent } from "../agent/run-agent.ts";
import { versionLine } from "../version.ts";
import { commandHelp, TOP_HELP } from "./help.ts";
import { kubectlCommand } from "./kubectl-command.ts";
import { pluginsCommand } from "./plugins-command.ts";
import { tokenCommand } from "./token-command.ts";
import { certificateCommand } from "./certificate-command.ts";
import { secretsEncryptCommand } from "./secrets-encrypt-command.ts";
import { runImagesCommand } from "./images-command.ts";
import { runCtrCommand } from "./ctr-command.ts";
import { runKillallCommand } from "./killall-command.ts";
import { runCrictlCommand } from "./crictl-command.ts";
import { clusterCommand } from "./cluster-command.ts";

/**
 * The `lite` command line. Returns the exit code: 0 success, 1 runtime failure, 2 bad input
 * (one readable line on stderr, never a stack trace).
 */
export async function main(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(TOP_HELP);
        return 0;
      case "version":
      case "--version":
      case "-v":
        console.log(versionLine());
        return 0;
      case "server": {
        const raw = resolveSettings("server", rest, env);
        if (raw.help) return printHelp("server");
        const settings = toServerSettings(raw);
        return await runServer(settings, { log: createLogger({ level: settings.debug ? "debug" : "info" }) });
      }
      case "agent": {
        const raw = resolveSettings("agent", rest, env);
        if (raw.help) return printHelp("agent");
        const settings = toAgentSettings(raw);
        return await runAgent(settings, { log: createLogger({ level: settings.debug ? "debug" : "info" }) });
      }
      case "kubectl":
        return await kubectlCommand(rest, env);
      case "plugins":
        return await pluginsCommand(rest, env);
      case "token":
        return await tokenCommand(rest, env);
      case "certificate":
        return await certificateCommand(rest, env);
      case "secrets-encrypt":
        return await secretsEncryptCommand(rest, env);
      case "images":
        return await runImagesCommand(rest, stdio);
      case "ctr":
        return await runCtrCommand(rest, stdio);
      case "crictl":
        return await runCrictlCommand(rest, stdio);
      case "killall":
        return await runKillallCommand(rest, stdio);
      case "cluster":
        return await clusterCommand(rest, env, stdio);
      default:
        throw new ConfigError(`unknown command ${JSON.stringify(command)} (commands: server, agent, cluster, kubectl, plugins, token, certificate, secrets-encrypt, images, ctr, crictl, killall, version; see lite --help)`);
    }
  } catch (err) {
    const where = command && ["server", "agent", "plugins", "kubectl", "token", "certificate", "secrets-encrypt", "images", "ctr", "crictl", "killall", "cluster"].includes(command) ? `lite ${command}` : "lite";
    if (err instanceof ConfigError) {
      console.error(`${where}: ${err.message}`);
      return err.exitCode;
    }
    const error = err as Error;
    console.error(`${where}: ${error?.message ?? String(err)}`);
    if (env.LITE_DEBUG === "true" || rest.includes("--debug")) console.error(error?.stack);
    return 1;
  }
}

const stdio = { log: (line: string) => console.log(line), error: (line: string) => console.error(line) };

function printHelp(command: "server" | "agent"): number {
  console.log(commandHelp(command));
  return 0;
}
