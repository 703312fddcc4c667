/** lite's ApiClient implementation and its transports (in-process and HTTPS). */
export { createApiClient, errorFromResponse } from "./api-client.ts";
export type { ApiClientOptions } from "./api-client.ts";
export { inProcessTransport } from "./transport.ts";
export type { InProcessUser, RequestHandler, Transport } from "./transport.ts";
export { httpsTransport } from "./https-transport.ts";
export type { HttpsTransportOptions } from "./https-transport.ts";
export { kubeconfigTransportOptions } from "./kubeconfig.ts";
