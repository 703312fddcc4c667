// The kubelet's HTTPS API (port 10250).
export { startKubeletServer, type KubeletServer, type KubeletServerOptions } from "./kubelet-server.ts";
export type { PodRuntimeView, RuntimePod, RuntimeContainer } from "./pod-runtime-view.ts";
export type { TokenAuthenticator } from "./request-auth.ts";
export { kubeletRequestAttributes } from "./request-auth.ts";
export type { StreamingBridges } from "./streaming-routes.ts";
export { ProbeMetrics } from "./metrics/probe-metrics.ts";
