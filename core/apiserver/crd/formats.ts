/**
 * String formats CRD schemas may name (apiextensions' supported formats). `checkFormat` returns
 * false for a value that breaks a known format and undefined for formats not checked.
 */
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HOSTNAME = /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\.?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;
const DURATION = /^(-?\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BSON = /^[0-9a-f]{24}$/;

function isIPv4(v: string): boolean {
  const parts = v.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(v: string): boolean {
  if (!v.includes(":") || !/^[0-9a-fA-F:.]+$/.test(v)) return false;
  try { return new URL(`http://[${v}]/`).hostname.length > 0; } catch { return false; }
}

function isDateTime(v: string): boolean {
  if (!DATE_TIME.test(v)) return false;
  return !Number.isNaN(Date.parse(v.replace(" ", "T")));
}

export function checkFormat(format: string, v: string): boolean | undefined {
  switch (format) {
    case "date-time": case "datetime": return isDateTime(v);
    case "date": return DATE.test(v) && !Number.isNaN(Date.parse(v));
    case "uuid": case "uuid3": case "uuid4": case "uuid5": return UUID.test(v);
    case "ipv4": return isIPv4(v);
    case "ipv6": return isIPv6(v);
    case "cidr": {
      const [ip, bits, extra] = v.split("/");
      if (extra !== undefined || !ip || !bits || !/^\d+$/.test(bits)) return false;
      return isIPv4(ip) ? Number(bits) <= 32 : isIPv6(ip) && Number(bits) <= 128;
    }
    case "hostname": return v.length <= 255 && HOSTNAME.test(v);
    case "email": return EMAIL.test(v);
    case "mac": return MAC.test(v);
    case "duration": return DURATION.test(v);
    case "byte": return v.length % 4 === 0 && BASE64.test(v);
    case "bsonobjectid": return BSON.test(v);
    case "uri": try { new URL(v); return true; } catch { return false; }
    default: return undefined;
  }
}
