// Per-front map from the loopback source port of an upstream connection to
// the client-certificate outcome of the TLS connection it carries.
import { NO_CERTIFICATE, type ClientCertificate } from "./peer-identity.ts";

const LOOPBACK = new Set(["127.0.0.1", "::ffff:127.0.0.1"]);

/** The peer of a request as Bun.serve reports it (server.requestIP). */
type Remote = { address: string; port: number } | null | undefined;

export class PeerRegistry {
  readonly #byPort = new Map<number, { peer: ClientCertificate; id: number; clientAddress: string }>();

  /**
   * Records the outcome before any byte is sent on the upstream connection.
   * `id` names the registration (see unregister); a newer one replaces an older one on the same port.
   */
  register(localPort: number, peer: ClientCertificate, id = 0, clientAddress = ""): void {
    this.#byPort.set(localPort, { peer, id, clientAddress });
  }

  /**
   * Called when the upstream connection closes. With `id`, only that registration is removed
   * (an unregister arriving after the port was reused by a newer connection is a no-op).
   */
  unregister(localPort: number, id?: number): void {
    if (id !== undefined && this.#byPort.get(localPort)?.id !== id) return;
    this.#byPort.delete(localPort);
  }

  /**
   * Outcome for a request seen by the internal server from `address:port`.
   * Anything not from 127.0.0.1 on a registered port (a direct connection to
   * the internal listener) is anonymous. While our upstream socket is open no
   * other socket can hold the same 127.0.0.1:port -> internal 4-tuple.
   */
  lookup(remote: Remote): ClientCertificate {
    return this.#entry(remote)?.peer ?? NO_CERTIFICATE;
  }

  /** The TLS client's address for a relayed request (undefined when not from a registered relay connection). */
  clientAddressOf(remote: Remote): string | undefined {
    return this.#entry(remote)?.clientAddress || undefined;
  }

  /** The registration id of a relayed request's connection (0: not relayed by a Worker). */
  idOf(remote: Remote): number {
    return this.#entry(remote)?.id ?? 0;
  }

  /** The registration of a request's connection: from 127.0.0.1 on a registered port only. */
  #entry(remote: Remote) {
    return remote && LOOPBACK.has(remote.address) ? this.#byPort.get(remote.port) : undefined;
  }

  get size(): number {
    return this.#byPort.size;
  }
}
