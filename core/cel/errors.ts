/** Errors from reading CEL text (lex.ts, parse.ts). */

/** Syntax this implementation does not handle (it may still be valid CEL). */
export class UnsupportedCel extends Error {}

/**
 * Text that is not CEL at all, whatever the full grammar supports: an unterminated string, a token
 * no expression can start with, a `.` not followed by a name. `position` is the offending offset.
 * A subclass of UnsupportedCel, so callers that only tell "understood" from "not" need not care.
 */
export class CelSyntaxError extends UnsupportedCel {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}
