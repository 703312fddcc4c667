/** Bad input from the operator (flags, environment, config file). The CLI prints the message alone and exits 2. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
