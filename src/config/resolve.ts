/**
 * The effective settings of a run, each with where it came from: flag > environment > user config
 * > system config > default. One exception keeps a weaker setting from silently waiving a stronger
 * one: while the system config (/etc/xlp/config.json) requires signatures, that requirement and the
 * trust settings that come with it (verify.allowedSigners, verify.signer) yield only to flags. An
 * environment variable or a user config that tries is overruled (and said so); --no-require-signature
 * waives the requirement, and the waiver is recorded for the journal as a skipped check.
 */
import { dirname } from 'node:path';
import { DEFAULTS, SETTINGS, fromConfig, fromEnvironment, fromFlag, type ConfigValues, type Defaulted, type SettingKey, type SettingSpec, type SettingValues } from './settings.js';

export interface Setting<T> {
  readonly value: T;
  /** '--timeout', 'XLP_TIMEOUT', a config file's path, or 'default'. */
  readonly source: string;
}

export interface ConfigFile {
  readonly path: string;
  readonly scope: 'system' | 'user';
  readonly values: ConfigValues;
}

export interface SettingsInput {
  /** The config files that exist, system first (src/config/load.ts). */
  readonly files: readonly ConfigFile[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What the command line gave, by flag name: only flags actually given (not filled in from the environment). */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** The settings the system config's signature requirement carries with it. */
const POLICY: readonly SettingKey[] = ['verify.requireSignature', 'verify.allowedSigners', 'verify.signer'];

export class Settings {
  constructor(
    private readonly resolved: ReadonlyMap<SettingKey, Setting<unknown>>,
    /** Weaker settings that tried to change the system config's signature policy, each as a sentence. */
    readonly overruled: readonly string[],
    /** The signature requirement the command line waived (--no-require-signature), as it stood before the flag. */
    readonly waived?: Setting<boolean>,
  ) {}

  get<K extends Defaulted>(key: K): Setting<SettingValues[K]>;
  get<K extends SettingKey>(key: K): Setting<SettingValues[K]> | undefined;
  get(key: SettingKey): Setting<unknown> | undefined {
    return this.resolved.get(key);
  }
}

export function resolveSettings(input: SettingsInput): Settings {
  const system = input.files.find((file) => file.scope === 'system');
  const locked = system !== undefined && system.values.verify?.requireSignature === true;
  const resolved = new Map<SettingKey, Setting<unknown>>();
  const overruled: string[] = [];
  let waived: Setting<boolean> | undefined;
  for (const spec of SETTINGS) {
    const layers = candidates(spec, input);
    const flag = layers.find((layer) => layer.from === 'flag');
    // Lowest precedence first; under the system's policy, only the system config, the default and a flag count.
    const heeded = locked && POLICY.includes(spec.key) ? layers.filter((layer) => layer.from !== 'user' && layer.from !== 'env') : layers;
    const before = heeded.filter((layer) => layer !== flag).at(-1);
    const effective = heeded.at(-1);
    if (effective !== undefined) resolved.set(spec.key, { value: effective.value, source: effective.source });
    for (const layer of layers) {
      if (heeded.includes(layer) || layer.value === effective?.value) continue;
      overruled.push(`${layer.source} sets ${spec.key} to ${JSON.stringify(layer.value)}, which does not change the signature policy of ${system?.path}: only a flag does${spec.flag === undefined ? '' : ` (--${flagFor(spec, layer.value)})`}`);
    }
    if (spec.key === 'verify.requireSignature' && flag?.value === false && before?.value === true) waived = { value: true, source: before.source };
  }
  return new Settings(resolved, overruled, waived);
}

interface Layer {
  readonly from: 'default' | 'system' | 'user' | 'env' | 'flag';
  readonly value: unknown;
  readonly source: string;
}

function candidates(spec: SettingSpec, input: SettingsInput): Layer[] {
  const layers: Layer[] = [];
  const fallback = (DEFAULTS as Partial<Record<SettingKey, unknown>>)[spec.key];
  if (fallback !== undefined) layers.push({ from: 'default', value: fallback, source: 'default' });
  const [section, name] = spec.key.split('.') as [keyof ConfigValues, string];
  for (const file of input.files) {
    const value = (file.values[section] as Record<string, unknown> | undefined)?.[name];
    if (value !== undefined) layers.push({ from: file.scope, value: fromConfig(spec, value, dirname(file.path)), source: file.path });
  }
  const raw = input.env[spec.env];
  // An empty variable is an unset one, as oclif reads it for the flags bound to it.
  if (raw !== undefined && raw !== '') layers.push({ from: 'env', value: fromEnvironment(spec, raw), source: spec.env });
  const given = spec.flag === undefined ? undefined : input.flags?.[spec.flag];
  if (given !== undefined) layers.push({ from: 'flag', value: fromFlag(spec, given), source: `--${spec.flag}` });
  return layers;
}

/** The flag that would give this value: --require-signature / --no-require-signature, --signer. */
const flagFor = (spec: SettingSpec, value: unknown): string => (value === false ? `no-${spec.flag}` : `${spec.flag}`);
