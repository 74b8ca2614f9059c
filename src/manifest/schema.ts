/**
 * The schema layer: the manifest's data against docs/schema/manifest.schema.json, through the
 * validator generated from it at build time (scripts/gen-manifest-validator.mjs), and each of
 * ajv's errors told in the manifest's own words, at the place it concerns, with what to write.
 */
import { BUILD_ID_HEX, BUILD_ID_RULE, SHA256_HEX } from '../model/build-id.js';
import { NAME_RULE, nameProblem } from '../model/payload-name.js';
import { printable } from '../model/text.js';
import type { ManifestProblem } from './problems.js';
import { OBJECT_KEYS, validate as generatedValidate } from './schema-validator.generated.js';
import type { ManifestSource, PathSegment } from './source.js';
import { nearest } from './suggest.js';

/** The part of ajv's ErrorObject the messages use (ajv itself is not loaded at run time). */
interface SchemaError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

const validate = generatedValidate as unknown as ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
const objectKeys = OBJECT_KEYS as Readonly<Record<string, readonly string[]>>;

export interface SchemaVerdict {
  readonly problems: readonly ManifestProblem[];
  /** The places (JSON pointers) the schema found fault with: an entry with none inside it is sound. */
  readonly faulty: readonly string[];
}

export function checkSchema(source: ManifestSource, data: unknown): SchemaVerdict {
  if (validate(data)) return { problems: [], faulty: [] };
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const problems = errors.map((error) => problemOf(source, data, error));
  return { problems, faulty: errors.map((e) => e.instancePath) };
}

export const pointerOf = (path: readonly PathSegment[]): string => path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

const segmentsOf = (pointer: string): PathSegment[] =>
  pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')).map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));

function problemOf(source: ManifestSource, data: unknown, error: SchemaError): ManifestProblem {
  const path = segmentsOf(error.instancePath);
  const value = valueAt(data, path);
  const { keyword, params } = error;
  if (keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    const allowed = objectKeys[objectSchemaOf(path)] ?? [];
    const guess = nearest(key, allowed);
    const where = ownerOf(data, path);
    const fix = guess !== undefined ? `did you mean "${guess}"?` : `the keys allowed here are ${allowed.join(', ')}`;
    return { ...source.keyPosition(path, key), message: `unknown key "${printable(key, 40)}" ${where === undefined ? 'at the top level' : `in ${where}`}; ${fix}` };
  }
  return { ...source.positionOf(path), message: messageOf(data, path, value, error) };
}

function messageOf(data: unknown, path: readonly PathSegment[], value: unknown, error: SchemaError): string {
  const { keyword, params } = error;
  const field = fieldOf(data, path);
  switch (keyword) {
    case 'required':
      return missingMessage(data, path, String(params.missingProperty), error.schemaPath.includes('/then/'));
    case 'type':
      return typeMessage(field, String(params.type), value);
    case 'const':
      return `${field} must be ${JSON.stringify(params.allowedValue)}, not ${shown(value)}: this xlp reads manifest format version 1`;
    case 'enum': {
      const allowed = (params.allowedValues as readonly unknown[]).map(String);
      const guess = typeof value === 'string' ? nearest(value, allowed) : undefined;
      return `${field} must be ${oneOf(allowed)}, not ${shown(value)}${guess === undefined ? '' : `; did you mean "${guess}"?`}`;
    }
    case 'pattern':
      return patternMessage(field, path, value);
    case 'minimum':
    case 'maximum':
      return `${field} must be 1 to 3600 (seconds), not ${shown(value)}`;
    case 'minItems':
      return path.at(-1) === 'argv' ? `${field} is empty; write the program's absolute path, then its arguments` : `${field} is empty; list at least one hypervisor build, with its build-id and payloads`;
    default:
      return `${field} ${error.message ?? 'is invalid'}`;
  }
}

const REQUIRED_FIX: Readonly<Record<string, string>> = {
  version: 'add version: 1',
  hypervisors: 'add hypervisors: with one entry per hypervisor build',
  'build-id': "add build-id: with the hypervisor's build-id (the build_id line of `xl info`)",
  payloads: 'add payloads: with the payloads in stack order (payloads: [] for none)',
  name: 'add name: with the name to load the payload under',
  state: 'add state: applied, uploaded or absent',
  file: 'add file: with the path of the .livepatch file (relative to the manifest\'s directory)',
  sha256: "add sha256: with the file's digest, as sha256sum prints it",
  argv: "add argv: with the program's absolute path, then its arguments, e.g. argv: [/usr/local/bin/guest-health, --quick]",
  timeout: 'add timeout: with the seconds it may run (1 to 3600)',
};

function missingMessage(data: unknown, path: readonly PathSegment[], key: string, conditional: boolean): string {
  const owner = ownerOf(data, path) ?? 'the manifest';
  const why = conditional ? ' (required when state is applied or uploaded)' : '';
  return `${owner} has no ${key}${why}; ${REQUIRED_FIX[key] ?? `add ${key}:`}`;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a mapping (key: value lines)',
  array: 'a list (lines starting with -, or [a, b])',
  string: 'a string',
  integer: 'a whole number',
};

function typeMessage(field: string, type: string, value: unknown): string {
  const hint = type === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? `; write it in quotes ("${String(value)}") to make it a string` : '';
  if (field === 'the manifest') {
    return value === null ? 'the manifest is empty; it starts with version: 1, then hypervisors:' : `the manifest must be a mapping (version: 1, hypervisors: ...), not ${kindOf(value)}`;
  }
  return `${field} must be ${TYPE_WORDS[type] ?? type}, not ${kindOf(value)}${hint}`;
}

function patternMessage(field: string, path: readonly PathSegment[], value: unknown): string {
  const text = String(value);
  const key = path.at(-1);
  const owner = path.at(-2);
  if (key === 'build-id') {
    const lower = text.toLowerCase();
    const fix = BUILD_ID_HEX.test(lower) ? `write it in lowercase: ${lower}` : `write ${BUILD_ID_RULE}`;
    return `${field} ${shown(value)} is not a build-id; ${fix}`;
  }
  if (key === 'sha256') {
    const lower = text.toLowerCase();
    const fix = SHA256_HEX.test(lower) ? `write it in lowercase: ${lower}` : `write 64 lowercase hex digits, as sha256sum prints them${/^[0-9a-fA-F]+$/.test(text) ? ` (this has ${text.length})` : ''}`;
    return `${field} ${shown(value)} is not a sha256; ${fix}`;
  }
  if (key === 'name') return `payload name "${printable(text, 160)}" is not allowed: ${nameProblem(text) ?? 'it is too long'}; a payload name is ${NAME_RULE}`;
  if (owner === 'argv' && key === 0) {
    return `${field} ${shown(value)} is not an absolute path; a probe runs without a shell or a PATH search: write the program's full path, e.g. /usr/local/bin/${printable(text.split('/').at(-1) ?? text, 40)}`;
  }
  if (text === '') return `${field} is empty; write a path`;
  return `${field} contains a NUL character; remove it`;
}

/**
 * Where in the schema the object at `path` is defined (OBJECT_KEYS's key). ajv's schemaPath cannot
 * say: inside a $ref it starts again at the referenced definition.
 */
function objectSchemaOf(path: readonly PathSegment[]): string {
  if (path.length === 0) return '#';
  const list = path.at(-2);
  return list === 'hypervisors' ? '#/$defs/hypervisor' : list === 'payloads' ? '#/$defs/payload' : list === 'probes' ? '#/$defs/probe' : '';
}

/** The entry that the object at `path` is, in words: "payload xsa-466", "probe 2 of payload xsa-466". */
function ownerOf(data: unknown, path: readonly PathSegment[]): string | undefined {
  if (path.length === 0) return undefined;
  const last = path.at(-1);
  const parentKey = path.at(-2);
  if (typeof last === 'number' && parentKey === 'hypervisors') {
    const id = valueAt(data, [...path, 'build-id']);
    return typeof id === 'string' && BUILD_ID_HEX.test(id) ? `hypervisor ${id}` : `hypervisor entry ${last + 1}`;
  }
  if (typeof last === 'number' && parentKey === 'payloads') {
    const name = valueAt(data, [...path, 'name']);
    if (typeof name === 'string' && name !== '') return `payload ${printable(name, 40)}`;
    const hypervisor = ownerOf(data, path.slice(0, -2));
    return `payload entry ${last + 1}${hypervisor === undefined ? '' : ` of ${hypervisor}`}`;
  }
  if (typeof last === 'number' && parentKey === 'probes') return `probe ${last + 1} of ${ownerOf(data, path.slice(0, -2)) ?? 'a payload'}`;
  return fieldOf(data, path);
}

/** The value at `path` in words: "sha256 of payload xsa-466", "argv[0] of probe 1 of payload x", "version". */
function fieldOf(data: unknown, path: readonly PathSegment[]): string {
  if (path.length === 0) return 'the manifest';
  const last = path.at(-1)!;
  const parent = path.slice(0, -1);
  if (typeof last === 'number') {
    if (['hypervisors', 'payloads', 'probes'].includes(String(parent.at(-1)))) return ownerOf(data, path) ?? String(last);
    return fieldOf(data, parent).replace(/^(\S+)/, `$1[${last}]`);
  }
  const owner = ownerOf(data, parent);
  return owner === undefined ? String(last) : `${String(last)} of ${owner}`;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[String(segment)];
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `a string (${shown(value)})`;
  if (typeof value === 'boolean') return `${String(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}

const shown = (value: unknown): string => (typeof value === 'string' ? `"${printable(value, 80)}"` : value === null ? 'empty' : printable(JSON.stringify(value) ?? String(value), 80));

const oneOf = (words: readonly string[]): string => (words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`);
