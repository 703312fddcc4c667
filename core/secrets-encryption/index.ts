// Secrets encryption at rest: configuration file, secretbox transformer, re-encryption, rotation.
export {
  setupSecretsEncryption, RotationInProgressError, prefixOf,
  type SecretsEncryption, type SecretsEncryptionOptions, type EncryptionStatus, type RotationResult, type RotationStage,
} from "./secrets-encryption.ts";
export { encryptionConfigPath, readConfig, secretboxKeys, writesPlaintext } from "./encryption-config.ts";
export { secretsEncryptAdminRoutes } from "./admin-routes.ts";
