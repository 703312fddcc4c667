/**
 * The link rewriting of upstream's proxy transport (k8s.io/apimachinery/pkg/util/proxy/transport.go),
 * which pods/proxy and services/proxy wrap their backend responses in: a backend page links to its
 * own root ("/index.html"), and through the API server that link must keep the proxy prefix
 * ("/api/v1/namespaces/ns/pods/web/proxy/index.html").
 * - A redirect's Location is rewritten.
 * - A `text/html` body (identity or gzip encoded; other encodings pass untouched, as upstream) has the
 *   URL attributes of upstream's atomsToAttrs table rewritten; everything else passes through.
 * - rewriteURL: a URL naming another host, or a relative path, is kept; a path that already starts
 *   with the prefix is kept; otherwise the prefix is joined in front (a trailing slash kept).
 */

/** upstream atomsToAttrs: the attributes holding URLs, by element. */
const URL_ATTRS: Record<string, readonly string[]> = {
  a: ["href"], applet: ["codebase"], area: ["href"], audio: ["src"], base: ["href"], blockquote: ["cite"],
  body: ["background"], button: ["formaction"], command: ["icon"], del: ["cite"], embed: ["src"], form: ["action"],
  frame: ["longdesc", "src"], head: ["profile"], html: ["manifest"], iframe: ["longdesc", "src"],
  img: ["longdesc", "src", "usemap"], input: ["src", "usemap", "formaction"], ins: ["cite"], link: ["href"],
  object: ["classid", "codebase", "data", "usemap"], q: ["cite"], script: ["src"], source: ["src"], video: ["poster", "src"],
};

/** Go's path.Join for absolute paths: "." and ".." resolved, duplicate slashes dropped. */
function joinPaths(...parts: string[]): string {
  const out: string[] = [];
  for (const seg of parts.join("/").split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/**
 * upstream Transport.rewriteURL: `target` as a link in a response from `backendHost` (host:port), seen
 * by a client through `pathPrepend`.
 */
export function rewriteProxiedURL(target: string, backendHost: string, pathPrepend: string): string {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(.*)$/.exec(target);
  if (!m) return target;
  const [, scheme, host, path = "", rest = ""] = m;
  if (host !== undefined && host !== "" && host !== backendHost) return target;
  if (scheme !== undefined && host === undefined) return target; // mailto:, javascript:, …
  if (!path.startsWith("/")) return target;
  if (path.startsWith(pathPrepend)) return target;
  const joined = joinPaths(pathPrepend, path);
  const origin = host ? `${scheme ? `${scheme}:` : ""}//${host}` : "";
  return `${origin}${joined}${path.endsWith("/") && !joined.endsWith("/") ? "/" : ""}${rest}`;
}

/** Rewrites the URL attributes of every start tag in `html`. */
export function rewriteHTML(html: string, backendHost: string, pathPrepend: string): string {
  return html.replace(/<([a-zA-Z][a-zA-Z0-9]*)(\s[^>]*)?>/g, (tag, name: string, attrs: string | undefined) => {
    const wanted = URL_ATTRS[name.toLowerCase()];
    if (!wanted || !attrs) return tag;
    const rewritten = attrs.replace(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(\s*=\s*)("([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g,
      (attr, attrName: string, eq: string, _v: string, dq?: string, sq?: string, bare?: string) => {
        if (!wanted.includes(attrName.toLowerCase())) return attr;
        const value = dq ?? sq ?? bare ?? "";
        const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '"';
        return `${attrName}${eq}${quote}${rewriteProxiedURL(value, backendHost, pathPrepend)}${quote}`;
      });
    return `<${name}${rewritten}>`;
  });
}

/** upstream Transport.RoundTrip's response half: Location and text/html bodies rewritten, the rest untouched. */
export async function rewriteProxiedResponse(res: Response, backendHost: string, pathPrepend: string): Promise<Response> {
  const location = res.headers.get("location");
  if (location) {
    const headers = new Headers(res.headers);
    headers.set("location", rewriteProxiedURL(location, backendHost, pathPrepend));
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const encoding = (res.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (type !== "text/html" || (encoding !== "" && encoding !== "gzip") || res.body === null) return res;
  const raw = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(encoding === "gzip" ? Bun.gunzipSync(raw) : raw);
  const out = new TextEncoder().encode(rewriteHTML(text, backendHost, pathPrepend));
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  return new Response(encoding === "gzip" ? Bun.gzipSync(out) : out, { status: res.status, statusText: res.statusText, headers });
}
