// The API server's proxy to the kubelets (pods/log|exec|attach|portforward, nodes/proxy).
export { createNodeProxy, SPDY_NOT_SUPPORTED, type NodeProxy, type NodeProxyOptions } from "./node-proxy.ts";
export { chooseContainer, kubeletBaseUrl, kubeletPathFor, DEFAULT_KUBELET_PORT } from "./kubelet-location.ts";
export type { RelayData } from "./websocket-relay.ts";
