// The one place that loads @peculiar/x509. That library's dependency tsyringe
// refuses to load without a Reflect metadata polyfill, so it is imported first
// (ES module evaluation order guarantees it runs before @peculiar/x509).
import "reflect-metadata";
export * as x509 from "@peculiar/x509";
