/** `import text from "./x.proto" with { type: "text" }`: Bun inlines the file as a string (also in a compiled binary). */
declare module "*.proto" {
  const text: string;
  export default text;
}
