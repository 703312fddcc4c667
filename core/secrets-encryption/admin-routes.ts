/**
 * The admin-socket endpoints `lite secrets-encrypt` talks to (the socket is 0600 in the data dir,
 * so only the server's owner reaches them):
 * - `GET /secrets-encrypt/status` → EncryptionStatus JSON (`{"enabled":false}` when never on);
 * - `POST /secrets-encrypt/rotate-keys` → RotationResult JSON once every Secret is re-encrypted
 *   (409 while another rotation runs).
 */
import { RotationInProgressError, type SecretsEncryption } from "./secrets-encryption.ts";

export type AdminHandler = (req: Request) => Promise<Response>;

export function secretsEncryptAdminRoutes(encryption: SecretsEncryption | undefined): Map<string, AdminHandler> {
  const json = (body: unknown, status = 200) => Response.json(body, { status });
  return new Map<string, AdminHandler>([
    ["GET /secrets-encrypt/status", async () => json(encryption ? await encryption.status() : { enabled: false, keys: [], secrets: {} })],
    ["POST /secrets-encrypt/rotate-keys", async () => {
      if (!encryption) return json({ error: "secrets encryption is not enabled (start the server with --secrets-encryption)" }, 400);
      try {
        return json(await encryption.rotateKeys());
      } catch (err) {
        return json({ error: (err as Error).message }, err instanceof RotationInProgressError ? 409 : 500);
      }
    }],
  ]);
}
