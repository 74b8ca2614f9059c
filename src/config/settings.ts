/**
 * Every setting a config file can give, with the environment variable and the flag that can give it
 * too, its default, and how a value from the environment is read. The host settings come from the
 * one table of host options (src/host/options.ts); test/unit/config-schema.test.ts holds this list
 * and docs/schema/config.schema.json to each other.
 */
import { resolve } from 'node:path';
import { usageError } from '../errors.js';
import { BACKEND_KINDS, HOST_OPTIONS, isBackendKind, type BackendKind } from '../host/options.js';
import { CONTROL } from '../paths.js';

export interface SettingValues {
  'verify.requireSignature': boolean;
  'verify.allowedSigners': string;
  'verify.signer': string;
  'host.backend': BackendKind;
  'host.host': string;
  'host.sshConfig': string;
  'host.xenLivepatch': string;
  'host.xl': string;
  'host.timeout': number;
  'host.lockTimeout': number;
  'audit.log': string;
  'audit.sealKey': string;
  'audit.sealSshKey': string;
  /** As written: a facility.level, or (from XLP_AUDIT_SYSLOG) on/off; src/audit/syslog.ts reads it. */
  'audit.syslog': string;
  'boot.timeout': number;
  'boot.guardWindow': number;
}

export type SettingKey = keyof SettingValues;
type Section = SettingKey extends `${infer S}.${string}` ? S : never;
type KeysOf<S extends Section> = SettingKey extends infer K ? (K extends `${S}.${infer Name}` ? Name : never) : never;

/** A config file's content, as the schema allows it. */
export type ConfigValues = { readonly [S in Section]?: { readonly [N in KeysOf<S>]?: SettingValues[`${S}.${N}` & SettingKey] } };

/**
 * How a value is read: `file` paths are resolved (a config file's relative path against the file's
 * directory, anything else against the working directory); `text` is taken as it is.
 */
type Kind = 'boolean' | 'seconds' | 'backend' | 'file' | 'text';

export interface SettingSpec {
  readonly key: SettingKey;
  readonly env: string;
  /** The flag that gives it, without dashes, on the commands that take it. */
  readonly flag?: string;
  readonly kind: Kind;
}

export const DEFAULT_ALLOWED_SIGNERS = '/etc/xlp/allowed_signers';

export const DEFAULTS = {
  'verify.requireSignature': false,
  'verify.allowedSigners': DEFAULT_ALLOWED_SIGNERS,
  'host.backend': BACKEND_KINDS[0],
  'host.timeout': 30,
  'host.lockTimeout': 60,
  'boot.timeout': 120,
  'boot.guardWindow': 600,
} as const satisfies Partial<SettingValues>;

export type Defaulted = keyof typeof DEFAULTS;

const hostKind = (key: string): Kind => (key === 'backend' ? 'backend' : key === 'sshConfig' ? 'file' : 'text');

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'verify.requireSignature', env: 'XLP_REQUIRE_SIGNATURE', flag: 'require-signature', kind: 'boolean' },
  { key: 'verify.allowedSigners', env: 'XLP_ALLOWED_SIGNERS', flag: 'allowed-signers', kind: 'file' },
  { key: 'verify.signer', env: 'XLP_SIGNER', flag: 'signer', kind: 'text' },
  ...HOST_OPTIONS.flatMap((spec) => ('config' in spec ? [{ key: spec.config, env: spec.env, flag: spec.flag, kind: hostKind(spec.key) }] : [])),
  { key: 'host.timeout', env: 'XLP_TIMEOUT', flag: 'timeout', kind: 'seconds' },
  { key: 'host.lockTimeout', env: 'XLP_LOCK_TIMEOUT', flag: 'lock-timeout', kind: 'seconds' },
  { key: 'audit.log', env: 'XLP_AUDIT_LOG', flag: 'audit-log', kind: 'file' },
  { key: 'audit.sealKey', env: 'XLP_AUDIT_SEAL_KEY', flag: 'seal-key', kind: 'file' },
  { key: 'audit.sealSshKey', env: 'XLP_AUDIT_SEAL_SSH_KEY', kind: 'file' },
  { key: 'audit.syslog', env: 'XLP_AUDIT_SYSLOG', kind: 'text' },
  { key: 'boot.timeout', env: 'XLP_BOOT_TIMEOUT', flag: 'boot-timeout', kind: 'seconds' },
  { key: 'boot.guardWindow', env: 'XLP_BOOT_GUARD_WINDOW', flag: 'guard-window', kind: 'seconds' },
];

/** A command's flag of a setting's name but bound to another variable is another setting (audit verify's --allowed-signers trusts seal signers). */
export const boundElsewhere = (flag: string, env: string | undefined): boolean => env !== undefined && SETTINGS.some((spec) => spec.flag === flag && spec.env !== env);

/** The longest wait a setting may ask for: a day (longer is a typing mistake; a timer holds at most ~24.8 days). */
export const MAX_WAIT_SECONDS = 86_400;

/** A value from the environment, read as its kind; a value that is not one is refused, never guessed at. */
export function fromEnvironment(spec: SettingSpec, raw: string): unknown {
  const refuse = (what: string): never => {
    throw usageError(`${spec.env}=${JSON.stringify(raw)} is not usable: it must be ${what}`, `set ${spec.env} to ${what}, or unset it`);
  };
  switch (spec.kind) {
    case 'boolean':
      if (/^(1|true|yes)$/i.test(raw)) return true;
      return /^(0|false|no)$/i.test(raw) ? false : refuse('1 or 0 (true or false)');
    case 'seconds':
      return /^\d+$/.test(raw) && Number(raw) <= MAX_WAIT_SECONDS ? Number(raw) : refuse(`a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
    case 'backend':
      return isBackendKind(raw) ? raw : refuse(`one of ${BACKEND_KINDS.join(', ')}`);
    case 'file':
      return CONTROL.test(raw) ? refuse('a file path without control characters') : resolve(raw);
    case 'text':
      return raw;
  }
}

/** A value from a flag (already parsed by its flag definition): a path is resolved against the working directory. */
export function fromFlag(spec: SettingSpec, value: unknown): unknown {
  if (spec.kind !== 'file') return value;
  if (CONTROL.test(String(value))) throw usageError(`--${spec.flag} ${JSON.stringify(value)} is not usable: it must be a file path without control characters`, `give --${spec.flag} a file path`);
  return resolve(String(value));
}

/** A value from a config file (already checked by the schema): a relative path is relative to the file's directory. */
export function fromConfig(spec: SettingSpec, value: unknown, directory: string): unknown {
  return spec.kind === 'file' ? resolve(directory, String(value)) : value;
}
