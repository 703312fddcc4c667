/**
 * apimachinery's conversion of a query parameter to bool (Convert_Slice_string_To_bool), which
 * every boolean query option goes through: absent is false; "0", "f" and "false" in any case are
 * false; anything else, the empty string included, is true. Clients rely on it: the Python client
 * sends `watch=True`.
 */
export function queryBoolValue(v: string | null): boolean {
  if (v === null) return false;
  return !(v === "0" || /^(f|false)$/i.test(v));
}

export function queryBool(q: URLSearchParams, name: string): boolean {
  return queryBoolValue(q.get(name));
}
