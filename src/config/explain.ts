/**
 * Schema errors as the operator needs them: where (the key or value in the file), what is wrong in
 * the file's terms ("host.timeout must be a whole number of seconds from 0 to 86400, not the string
 * "30""), and what to write instead, taken from the schema's own examples and descriptions so the
 * messages cannot drift from docs/schema/config.schema.json. Of several problems, the first in the
 * file's reading order is reported, with how many more there are.
 */
import type { Node } from 'jsonc-parser';
import type { XlpError } from '../errors.js';
import { keyNodeAt, nodeAt, type ParsedConfig } from './parse.js';
import { configProblem, positionOf } from './problem.js';

/** The part of an ajv error this module reads. */
export interface SchemaError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

/** The parts of a JSON Schema node the messages use. */
interface SchemaNode {
  readonly description?: string;
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly examples?: readonly unknown[];
  readonly properties?: Record<string, SchemaNode>;
  readonly $ref?: string;
  readonly $defs?: Record<string, SchemaNode>;
}

interface Explained {
  readonly node: Node;
  readonly what: string;
  readonly instead: string;
}

export function explainSchemaErrors(path: string, parsed: ParsedConfig, errors: readonly SchemaError[], root: SchemaNode): XlpError {
  const explained = errors.map((error) => explain(error, parsed, root)).sort((a, b) => a.node.offset - b.node.offset);
  const first = explained[0] as Explained;
  const more = explained.length > 1 ? ` (and ${explained.length - 1} more problem${explained.length > 2 ? 's' : ''} after it)` : '';
  return configProblem(path, positionOf(parsed.text, first.node.offset), first.what, `${first.instead}${more}`);
}

function explain(error: SchemaError, parsed: ParsedConfig, root: SchemaNode): Explained {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'additionalProperties') return unknownKey(String(error.params.additionalProperty), segments, parsed, root);
  if (error.keyword === 'false schema') return conflict(error.schemaPath, segments, parsed);
  const node = nodeAt(parsed.tree, segments);
  const schema = schemaAt(root, segments);
  const name = segments.length === 0 ? 'the configuration' : `"${segments.join('.')}"`;
  return { node, what: `${name} must be ${expected(schema)}, not ${actual(valueAt(parsed.value, segments))}`, instead: writeInstead(schema) };
}

function unknownKey(key: string, segments: readonly string[], parsed: ParsedConfig, root: SchemaNode): Explained {
  const node = keyNodeAt(parsed.tree, segments, key);
  const known = Object.keys(schemaAt(root, segments).properties ?? {}).filter((k) => k !== '$schema');
  const where = segments.length === 0 ? `unknown section "${key}"` : `unknown key "${key}" in "${segments.join('.')}"`;
  // A key that belongs to another section (e.g. "timeout" at the top, or in "verify").
  const home = Object.entries(root.properties ?? {}).find(([section, schema]) => section !== segments[0] && Object.hasOwn(schema.properties ?? {}, key))?.[0];
  if (home !== undefined) return { node, what: where, instead: `"${key}" belongs in the "${home}" section: write {"${home}": {"${key}": …}}` };
  const near = closest(key, known);
  const list = segments.length === 0 ? `the sections are ${known.join(', ')}` : `the keys of "${segments.join('.')}" are ${known.join(', ')}`;
  return { node, what: where, instead: near === undefined ? list : `did you mean "${near}"? ${list}` };
}

/** dependentSchemas: {A: {properties: {B: false}}}: B may not be set together with A. */
function conflict(schemaPath: string, segments: readonly string[], parsed: ParsedConfig): Explained {
  const match = /dependentSchemas\/([^/]+)\/properties\/([^/]+)\//.exec(schemaPath);
  const [with_, key] = match === null ? ['another key', segments.at(-1) ?? ''] : [match[1] as string, match[2] as string];
  const section = segments.slice(0, -1).join('.');
  return { node: keyNodeAt(parsed.tree, segments.slice(0, -1), key), what: `"${section}.${key}" cannot be set together with "${section}.${with_}"`, instead: 'keep one of them' };
}

/** The schema of the value at `segments`, with what its $ref says about the kind of value. */
function schemaAt(root: SchemaNode, segments: readonly string[]): SchemaNode {
  let node = root;
  for (const segment of segments) node = Object.hasOwn(node.properties ?? {}, segment) ? (node.properties?.[segment] as SchemaNode) : {};
  const target = node.$ref?.startsWith('#/$defs/') ? root.$defs?.[node.$ref.slice('#/$defs/'.length)] : undefined;
  return target === undefined ? node : { ...target, ...node, description: target.description };
}

function expected(schema: SchemaNode): string {
  if (schema.enum !== undefined) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (schema.$ref !== undefined && schema.description !== undefined) return schema.description;
  if (schema.type === 'boolean') return 'true or false';
  if (schema.type === 'object') return 'an object';
  return `a ${schema.type ?? 'value'}`;
}

function writeInstead(schema: SchemaNode): string {
  if (schema.type === 'boolean') return 'write true or false, without quotes';
  const example = schema.examples?.[0];
  if (example === undefined) return 'see the schema';
  if (schema.type === 'object' && Object.keys(example as object).length === 0) return 'write {}';
  return `write e.g. ${JSON.stringify(example)}`;
}

function valueAt(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) current = (current as Record<string, unknown> | null)?.[segment];
  return current;
}

function actual(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === '') return 'an empty string';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `${value}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The known name a misspelling most likely meant: same letters but for case, or at most a third of them different. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(name, key);
    if (distance <= Math.max(1, Math.floor(name.length / 3)) && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length] as number;
}
