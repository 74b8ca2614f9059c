/**
 * The manifest's JSON Schema (docs/schema/manifest.schema.json): the validator generated from it is
 * current, its patterns are xlp's own rules, every object is closed and described, and the examples
 * of docs/manifest.md are valid manifests (so the documentation cannot rot).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import Ajv2020 from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

import { ManifestError, parseManifest } from '../../src/manifest/index.js';
import { BUILD_ID_HEX, SHA256_HEX } from '../../src/model/build-id.js';
import { nameProblem } from '../../src/model/payload-name.js';
import { REPO } from '../helpers/cli.js';

type Json = { [key: string]: Json } | Json[] | string | number | boolean | null;
const schema = JSON.parse(readFileSync(join(REPO, 'docs/schema/manifest.schema.json'), 'utf8')) as { [key: string]: Json };
const defs = schema.$defs as { [key: string]: { [key: string]: Json } };
const markdown = readFileSync(join(REPO, 'docs/manifest.md'), 'utf8');

/** The fenced blocks of docs/manifest.md in `language`, with the line each starts on. */
function blocks(language: string): Array<{ text: string; line: number }> {
  const found: Array<{ text: string; line: number }> = [];
  const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm');
  for (const match of markdown.matchAll(fence)) found.push({ text: match[1]!, line: markdown.slice(0, match.index).split('\n').length + 1 });
  return found;
}

const examples = [...blocks('yaml'), ...blocks('json')].filter((b) => {
  const data = parseYaml(b.text) as unknown;
  return data !== null && typeof data === 'object' && 'version' in data;
});

// ajv compiled from the schema file here, independently of the generated validator.
const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, strictTuples: false });
const validate = ajv.compile(schema);

describe('the generated validator', () => {
  it('is what scripts/gen-manifest-validator.mjs writes from the schema today (npm run build regenerates it)', () => {
    const result = spawnSync(process.execPath, [join(REPO, 'scripts/gen-manifest-validator.mjs'), '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the schema', () => {
  it('encodes the build-id and sha256 rules of src/model/build-id.ts', () => {
    expect(defs.buildId!.pattern).toBe(BUILD_ID_HEX.source);
    expect(defs.sha256!.pattern).toBe(SHA256_HEX.source);
  });

  it('never refuses a payload name xlp accepts (payload-name.ts is the authority; the schema carries the basic pattern)', () => {
    const pattern = new RegExp(((defs.payload!.properties as { [key: string]: { pattern: string } }).name!).pattern, 'u');
    const names = ['xsa-466', 'XSA_466.v2', 'a', 'é'.repeat(63), 'x'.repeat(127), 'π-patch', 'a:b@c+d', 'xsa 466', 'a/b', 'a|b', '', 'a\u200bb', 'a\tb', 'x'.repeat(128)];
    for (const name of names) if (nameProblem(name) === undefined) expect(pattern.test(name), name).toBe(true);
  });

  it('closes every object and describes every key', () => {
    const objects: Array<[string, { [key: string]: Json }]> = [['#', schema], ...Object.entries(defs).map(([k, v]) => [`#/$defs/${k}`, v] as [string, { [key: string]: Json }])];
    for (const [where, node] of objects.filter(([, node]) => node.type === 'object')) {
      expect(node.additionalProperties, where).toBe(false);
      expect(typeof node.title, where).toBe('string');
      for (const [key, property] of Object.entries(node.properties as { [key: string]: { [key: string]: Json } })) {
        expect(typeof property.description === 'string' || typeof property.title === 'string', `${where} ${key}`).toBe(true);
      }
    }
    expect(schema.$id).toMatch(/^urn:xlp:/);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('the examples of docs/manifest.md', () => {
  it('are there', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples.map((e) => [e.line, e.text] as const))('the manifest at line %i is valid for the schema and for xlp', (_line, text) => {
    expect(validate(parseYaml(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseManifest(text, 'site.yaml', { baseDir: '/srv/xlp' })).not.toThrow();
  });

  it('show the error the first example gets with sha256 misspelt, as --json prints it', () => {
    const shown = blocks('json').find((b) => b.text.includes('"error"'));
    const first = examples[0]!.text;
    let thrown: unknown;
    try {
      parseManifest(first.replace('sha256:', 'sha265:'), 'site.yaml');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ManifestError);
    expect(JSON.parse(shown!.text)).toEqual({ error: (thrown as ManifestError).toJSON() });
    const line = blocks('text').find((b) => b.text.includes('sha265'));
    expect(line!.text.trim()).toBe(`site.yaml:${(thrown as ManifestError).problems[1]!.line}:9: ${(thrown as ManifestError).problems[1]!.message}`);
  });

  it('the generated validator and ajv compiling the schema agree, on the examples and on broken ones', () => {
    const cases = examples.flatMap((e) => [e.text, e.text.replace('version: 1', 'version: 2'), e.text.replace('state: applied', 'state: on'), e.text.replace(/sha256: \w+/, 'sha256: 12')]);
    for (const text of cases) {
      let accepted = true;
      try {
        parseManifest(text, 'site.yaml');
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        accepted = false;
      }
      expect(accepted, text).toBe(validate(parseYaml(text)));
    }
  });
});
