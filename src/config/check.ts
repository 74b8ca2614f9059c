/**
 * A config file's value against docs/schema/config.schema.json, through the validator ajv compiled
 * from it at build time (scripts/gen-config-validator.mjs): unknown sections and keys, and values of
 * the wrong type or range, are refused with their position in the file.
 */
import { explainSchemaErrors, type SchemaError } from './explain.js';
import type { ParsedConfig } from './parse.js';
import { schema, validate } from './schema.generated.js';
import type { ConfigValues } from './settings.js';

interface GeneratedValidator {
  (value: unknown): boolean;
  errors?: readonly SchemaError[] | null;
}

export function checkConfig(path: string, parsed: ParsedConfig): ConfigValues {
  const validator = validate as GeneratedValidator;
  if (validator(parsed.value)) return parsed.value as ConfigValues;
  throw explainSchemaErrors(path, parsed, validator.errors ?? [], schema);
}
