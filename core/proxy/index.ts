/** The service proxy: Services and EndpointSlices to nftables rules in lite's own table (`ip lite-proxy`). */
export { startServiceProxy, type ServiceProxy, type ServiceProxyOptions, type ServiceProxyStatus } from "./service-proxy.ts";
export { removeProxyRules, nftExecutor, NftError, type NftExecutor } from "./nft-exec.ts";
export { PROXY_TABLE, renderRuleset } from "./nft-ruleset.ts";
export { computeProxyState, type ProxyState, type NodeFacts } from "./proxy-model.ts";
