/**
 * htpasswd credentials (the basicAuth middleware's `users`): `user:hash` lines with bcrypt
 * (`$2y$`, `$2a$`, `$2b$`, checked with Bun.password), `{SHA}` (base64 SHA-1), Apache's `$apr1$`
 * MD5 (implemented here), or, as Traefik's htpasswd library accepts, the plain password.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export interface HtpasswdUser { user: string; hash: string }

/** Parses htpasswd lines (blank lines and `#` comments skipped); a line without ":" is ignored. */
export function parseHtpasswd(text: string): HtpasswdUser[] {
  const out: HtpasswdUser[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i <= 0) continue;
    out.push({ user: line.slice(0, i), hash: line.slice(i + 1) });
  }
  return out;
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Bcrypt checks cost tens of ms: successful checks are remembered (keyed by a digest of hash and password). */
const verified = new Set<string>();

/** Does `password` match the htpasswd `hash`? */
export async function verifyHtpasswd(password: string, hash: string): Promise<boolean> {
  if (hash.startsWith("{SHA}")) return same(createHash("sha1").update(password).digest("base64"), hash.slice(5));
  if (hash.startsWith("$apr1$")) return same(apr1(password, hash.split("$")[2] ?? ""), hash);
  if (/^\$2[abxy]?\$/.test(hash)) {
    const key = createHash("sha256").update(hash).update("\0").update(password).digest("base64");
    if (verified.has(key)) return true;
    let ok = false;
    try { ok = await Bun.password.verify(password, hash.replace(/^\$2[xy]\$/, "$2b$"), "bcrypt"); } catch { ok = false; }
    if (ok) {
      if (verified.size >= 1024) verified.clear();
      verified.add(key);
    }
    return ok;
  }
  if (hash.startsWith("$")) return false; // other crypt(3) schemes ($1$, $5$, $6$) are not supported
  return same(password, hash);
}

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Apache's MD5-crypt (`$apr1$<salt>$<22 chars>`): 1000 rounds of MD5 over password, salt and the intermediate digest. */
export function apr1(password: string, saltIn: string): string {
  const magic = "$apr1$";
  const salt = saltIn.slice(0, 8);
  const pw = Buffer.from(password, "utf8");
  const md5 = (...parts: (Buffer | string)[]) => {
    const h = createHash("md5");
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const alt = md5(pw, salt, pw);
  const ctx = createHash("md5");
  ctx.update(pw);
  ctx.update(magic);
  ctx.update(salt);
  for (let n = pw.length; n > 0; n -= 16) ctx.update(alt.subarray(0, Math.min(16, n)));
  for (let n = pw.length; n > 0; n >>= 1) ctx.update(n & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let fin = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = createHash("md5");
    c.update(i & 1 ? pw : fin);
    if (i % 3) c.update(salt);
    if (i % 7) c.update(pw);
    c.update(i & 1 ? fin : pw);
    fin = c.digest();
  }
  let out = "";
  const to64 = (v: number, n: number) => { for (; n > 0; n--) { out += ITOA64[v & 0x3f]; v >>= 6; } };
  to64((fin[0]! << 16) | (fin[6]! << 8) | fin[12]!, 4);
  to64((fin[1]! << 16) | (fin[7]! << 8) | fin[13]!, 4);
  to64((fin[2]! << 16) | (fin[8]! << 8) | fin[14]!, 4);
  to64((fin[3]! << 16) | (fin[9]! << 8) | fin[15]!, 4);
  to64((fin[4]! << 16) | (fin[10]! << 8) | fin[5]!, 4);
  to64(fin[11]!, 2);
  return `${magic}${salt}$${out}`;
}
