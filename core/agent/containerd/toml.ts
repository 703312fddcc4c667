/**
 * The little TOML writing lite needs for containerd's files: quoted keys and strings. A JSON string
 * literal is a valid TOML basic string (same escapes: \" \\ \n \t \uXXXX).
 */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}

export function tomlStringArray(values: readonly string[]): string {
  return `[${values.map(tomlString).join(", ")}]`;
}
