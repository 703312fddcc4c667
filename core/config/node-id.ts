/**
 * `--with-node-id` (K3s pkg/agent/config ensureNodeID): a random id of 8 hex digits (4 bytes),
 * created at the first start with the flag and kept in a file, so the node keeps its name
 * `<node-name>-<id>` across restarts. K3s keeps it in /etc/rancher/node/id; lite in the data dir,
 * beside the node password (`<data-dir>/agent/node-id`).
 */
import { ConfigError } from "./config-error.ts";
import { ensureRandomHexFile } from "./random-hex-file.ts";

const NODE_ID = /^[0-9a-f]{8}$/;

/** The id in `file`, or a new one written there (mode 0644, as K3s). A file with anything else is a ConfigError. */
export function ensureNodeId(file: string): string {
  return ensureRandomHexFile(file, 4, {
    mode: 0o644,
    accept: (text) => {
      if (!NODE_ID.test(text)) throw new ConfigError(`--with-node-id: ${file} holds ${JSON.stringify(text.slice(0, 40))}, not 8 lower-case hex digits; delete it for a new id (the node then gets a new name)`);
      return true;
    },
    wrapError: (op, err) => new ConfigError(`--with-node-id: cannot ${op} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`),
  });
}
