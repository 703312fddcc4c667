/**
 * `--disable=traefik,servicelb` through the compiled binary (control plane only): the first start
 * creates the IngressClass traefik and serves LoadBalancer Services; a restart with both disabled
 * shows them Disabled on the admin endpoint, removes the IngressClass (labelled lite.io/plugin) and
 * leaves new LoadBalancer Services pending; an IngressClass of a replacement controller can be created.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { kubectl, runLite, scratchDir, startServer } from "./harness/lite-process.ts";
import { ok, within } from "./harness/kube.ts";

setDefaultTimeout(90_000);

test("--disable=traefik,servicelb: not loaded, shown Disabled, their objects gone, replaceable", async () => {
  const scratch = scratchDir();
  try {
    let server = await startServer([], {}, { dataDir: scratch.dir });
    try {
      expect(ok(await kubectl(server, ["get", "ingressclass", "traefik", "-o", "jsonpath={.spec.controller} {.metadata.labels}"]))).toBe('traefik.io/ingress-controller {"lite.io/plugin":"traefik"}');
      const plugins = JSON.parse(ok(await runLite(["plugins", "-o", "json", "--data-dir", scratch.dir])));
      const list = (plugins.items ?? plugins.plugins ?? plugins) as { id: string; role: string; state: string }[];
      expect(list.filter((p) => p.id === "traefik" || p.id === "servicelb").map((p) => `${p.id}/${p.role}=${p.state}`).sort()).toEqual(["servicelb/server=Running", "traefik/server=Running"]);
    } finally {
      await server.stop();
    }

    server = await startServer(["--disable=traefik,servicelb"], {}, { dataDir: scratch.dir });
    try {
      expect(server.logs()).toContain("removed an object of a disabled plugin");
      const r = await kubectl(server, ["get", "ingressclass", "traefik"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('ingressclasses.networking.k8s.io "traefik" not found');
      const plugins = JSON.parse(ok(await runLite(["plugins", "-o", "json", "--data-dir", scratch.dir])));
      const list = (plugins.items ?? plugins.plugins ?? plugins) as { id: string; state: string }[];
      expect(list.filter((p) => p.id === "traefik" || p.id === "servicelb").map((p) => `${p.id}=${p.state}`).sort()).toEqual(["servicelb=Disabled", "traefik=Disabled"]);
      // Nothing gives LoadBalancer Services addresses now; a replacement's IngressClass takes the place.
      ok(await kubectl(server, ["create", "service", "loadbalancer", "lb", "--tcp=8080:8080"]));
      await Bun.sleep(1500);
      expect(ok(await kubectl(server, ["get", "service", "lb", "-o", "jsonpath={.status.loadBalancer}"]))).toBe("{}");
      ok(await kubectl(server, ["apply", "-f", "-"], { stdin: JSON.stringify({ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "traefik" }, spec: { controller: "example.com/my-ingress" } }) }));
      expect(ok(await kubectl(server, ["get", "ingressclass", "traefik", "-o", "jsonpath={.spec.controller}"]))).toBe("example.com/my-ingress");
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(scratch.dir, { recursive: true, force: true });
  }
});
