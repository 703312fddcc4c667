import { definePlugin, v } from "@lite/sdk";

/**
 * traefik: the Ingress controller for IngressClass `traefik` (the default class): HTTP and HTTPS
 * on every node, host/path routing, TLS from Secrets.
 * Behaviour arrives with the addons issue (#8); until then it reports NotImplemented.
 */
export default definePlugin({
  id: "traefik",
  version: "0.1.0",
  sdk: "^1",
  description: "Ingress controller (IngressClass traefik) on ports 80 and 443 of every node",
  config: v.object({
    httpPort: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)), 80),
    httpsPort: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)), 443),
  }),
  server: (ctx) => {
    ctx.status.report({
      state: "NotImplemented",
      message: "Ingress routing arrives with the addons issue (#8)",
      details: { httpPort: ctx.config.httpPort, httpsPort: ctx.config.httpsPort },
    });
  },
});
