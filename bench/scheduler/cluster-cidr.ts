/**
 * `--cluster-cidr` for a benchmark with `nodes` simulated nodes: the default 10.42.0.0/16 holds
 * 256 node subnets (/24 each), so a bigger cluster needs a bigger range, as an operator of a K3s
 * cluster that size would configure. Returns no flags when the default is big enough.
 */
export function clusterCidrArgs(nodes: number): string[] {
  if (nodes <= 256) return [];
  const prefix = Math.max(10, 24 - Math.ceil(Math.log2(nodes)));
  return ["--cluster-cidr", `10.64.0.0/${prefix}`]; // 10.64.0.0/10 is clear of the service CIDR 10.43.0.0/16
}
