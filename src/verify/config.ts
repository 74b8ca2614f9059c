/**
 * The verification settings, from (highest precedence first) flags, environment, the user's config
 * (XDG config dir / XLP_CONFIG_DIR) and the system config (/etc/xlp), each config being config.json
 * with a "verify" object:
 *
 *   { "verify": { "requireSignature": true, "allowedSigners": "/etc/xlp/allowed_signers", "signer": "release@example.org" } }
 *
 * A config that decides whether signatures are required is itself a trust anchor: one writable by
 * anyone but its owner or root is refused, and one that cannot be parsed stops the run rather than
 * silently dropping the requirement.
 */
import { dirname, join, resolve } from 'node:path';
import { ExitCode, XlpError } from '../errors.js';
import { configDirs } from '../paths.js';
import { readTrustedFile } from './signature.js';

export interface VerifySettings {
  readonly requireSignature: boolean;
  readonly allowedSigners: string;
  readonly signer?: string;
  /** Where requireSignature came from, for messages and the audit journal. */
  readonly requireSignatureFrom: string;
  /** The setting before the command line had its say, to record a waived requirement. */
  readonly configured: { readonly requireSignature: boolean; readonly from: string };
}

export interface VerifyOverrides {
  readonly requireSignature?: boolean;
  readonly allowedSigners?: string;
  readonly signer?: string;
}

interface Layer {
  readonly source: string;
  readonly requireSignature?: boolean;
  readonly allowedSigners?: string;
  readonly signer?: string;
}

export const DEFAULT_ALLOWED_SIGNERS = '/etc/xlp/allowed_signers';

export async function loadVerifySettings(flags: VerifyOverrides = {}, env: NodeJS.ProcessEnv = process.env, dirs: readonly string[] = configDirs()): Promise<VerifySettings> {
  const files = await Promise.all(dirs.map((dir) => readConfigLayer(join(dir, 'config.json'))));
  // Lowest precedence first, so later layers win.
  const layers: Layer[] = [...files.filter((layer): layer is Layer => layer !== undefined), envLayer(env), { source: 'command line', ...flags }];
  let settings: VerifySettings = {
    requireSignature: false,
    allowedSigners: DEFAULT_ALLOWED_SIGNERS,
    requireSignatureFrom: 'default',
    configured: { requireSignature: false, from: 'default' },
  };
  for (const layer of layers) {
    settings = {
      configured: layer.source === 'command line' ? { requireSignature: settings.requireSignature, from: settings.requireSignatureFrom } : settings.configured,
      requireSignature: layer.requireSignature ?? settings.requireSignature,
      requireSignatureFrom: layer.requireSignature === undefined ? settings.requireSignatureFrom : layer.source,
      allowedSigners: layer.allowedSigners ?? settings.allowedSigners,
      ...((layer.signer ?? settings.signer) === undefined ? {} : { signer: layer.signer ?? settings.signer }),
    };
  }
  return settings;
}

function envLayer(env: NodeJS.ProcessEnv): Layer {
  const require = env.XLP_REQUIRE_SIGNATURE;
  let requireSignature: boolean | undefined;
  if (require !== undefined && require !== '') {
    if (/^(1|true|yes)$/i.test(require)) requireSignature = true;
    else if (/^(0|false|no)$/i.test(require)) requireSignature = false;
    else throw configError(`XLP_REQUIRE_SIGNATURE=${require} is neither true nor false`, 'set it to 1 or 0');
  }
  return {
    source: 'environment',
    ...(requireSignature === undefined ? {} : { requireSignature }),
    ...(env.XLP_ALLOWED_SIGNERS ? { allowedSigners: resolve(env.XLP_ALLOWED_SIGNERS) } : {}),
    ...(env.XLP_SIGNER ? { signer: env.XLP_SIGNER } : {}),
  };
}

async function readConfigLayer(path: string): Promise<Layer | undefined> {
  // Only "there is no such file" means "no settings here"; anything else must not pass silently.
  const bytes = await readTrustedFile(path, 'config file', 256 * 1024, true).catch((error: unknown) => {
    throw error instanceof XlpError ? configError(error.message, error.hint ?? 'fix the file') : error;
  });
  if (bytes === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw configError(`${path} is not valid JSON: ${(error as Error).message}`, 'fix the file');
  }
  const verify = (parsed as { verify?: unknown } | null)?.verify;
  if (verify === undefined) return undefined;
  if (typeof verify !== 'object' || verify === null) throw configError(`${path}: "verify" must be an object`, 'see docs/verification.md');
  const { requireSignature, allowedSigners, signer, ...unknown } = verify as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw configError(`${path}: unknown verify setting ${extra.map((k) => JSON.stringify(k)).join(', ')}`, 'the settings are requireSignature, allowedSigners and signer');
  if (requireSignature !== undefined && typeof requireSignature !== 'boolean') throw configError(`${path}: verify.requireSignature must be true or false`, 'fix the file');
  if (allowedSigners !== undefined && (typeof allowedSigners !== 'string' || allowedSigners === '')) throw configError(`${path}: verify.allowedSigners must be a path`, 'fix the file');
  if (signer !== undefined && (typeof signer !== 'string' || signer === '')) throw configError(`${path}: verify.signer must be a principal name`, 'fix the file');
  return {
    source: path,
    ...(requireSignature === undefined ? {} : { requireSignature }),
    // Relative to the config file, not to wherever xlp happens to run.
    ...(allowedSigners === undefined ? {} : { allowedSigners: resolve(dirname(path), allowedSigners) }),
    ...(signer === undefined ? {} : { signer }),
  };
}

const configError = (message: string, hint: string): XlpError => new XlpError('config-invalid', ExitCode.USAGE, message, { hint });
