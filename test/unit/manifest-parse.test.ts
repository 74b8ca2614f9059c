/**
 * The manifest's syntax and schema layer (parseManifest, pure): every problem at the file, line and
 * column it concerns (computed from the fixture's own text), with what to write instead.
 */
import { describe, expect, it } from 'vitest';

import { ExitCode } from '../../src/errors.js';
import { ManifestError, MAX_PROBLEMS, parseManifest } from '../../src/manifest/index.js';
import { TEST_XEN_BUILD_ID as XEN } from '../helpers/payloads.js';
import { at, atOffset, expectProblem, manifestError, onlyProblem, problemsOf } from '../helpers/manifest.js';

const SHA = 'ab'.repeat(32);
const OTHER_XEN = 'cd'.repeat(20);

const GOOD = `version: 1
hypervisors:
  - build-id: ${XEN}
    payloads:
      - name: xsa-466
        file: payloads/xsa-466.livepatch
        sha256: ${SHA}
        state: applied
        signature: /etc/xlp/xsa-466.sig
        probes:
          - argv: [/usr/local/bin/guest-health, --quick]
            timeout: 30
      - name: xsa-467
        file: payloads/xsa-467.livepatch
        sha256: ${'cd'.repeat(32)}
        state: uploaded
      - name: xsa-400
        state: absent
`;

/** GOOD with one piece of text replaced (which must be there). */
function good(from: string, to: string): string {
  expect(GOOD).toContain(from);
  return GOOD.replace(from, to);
}

describe('a good manifest', () => {
  it('YAML: entries in order, paths resolved against the base directory, defaults filled in', () => {
    const parsed = parseManifest(GOOD, 'site.yaml', { baseDir: '/srv/xlp' });
    expect(parsed.unmanaged).toBe('keep');
    expect(parsed.path).toMatch(/^\/.*\/site\.yaml$/);
    expect(parsed.hypervisors).toHaveLength(1);
    const [h] = parsed.hypervisors;
    expect(h!.buildId).toBe(XEN);
    expect(h!.position).toEqual({ file: 'site.yaml', ...at(GOOD, 'build-id') });
    expect(h!.payloads.map((p) => [p.name, p.state, p.file, p.sha256])).toEqual([
      ['xsa-466', 'applied', '/srv/xlp/payloads/xsa-466.livepatch', SHA],
      ['xsa-467', 'uploaded', '/srv/xlp/payloads/xsa-467.livepatch', 'cd'.repeat(32)],
      ['xsa-400', 'absent', undefined, undefined],
    ]);
    expect(h!.payloads[0]!.signature).toBe('/etc/xlp/xsa-466.sig');
    expect(h!.payloads[0]!.probes).toEqual([{ argv: ['/usr/local/bin/guest-health', '--quick'], timeoutSeconds: 30 }]);
    expect(h!.payloads[1]!.probes).toEqual([]);
    expect(h!.payloads[2]!.position).toEqual({ file: 'site.yaml', ...at(GOOD, 'name: xsa-400') });
  });

  it('JSON is read the same way, with positions in the JSON text', () => {
    const yaml = parseManifest(GOOD, 'site.yaml', { baseDir: '/srv/xlp' });
    const json = JSON.stringify(
      {
        version: 1,
        unmanaged: 'remove',
        hypervisors: [
          {
            'build-id': XEN,
            payloads: [
              { name: 'xsa-466', file: 'payloads/xsa-466.livepatch', sha256: SHA, state: 'applied', signature: '/etc/xlp/xsa-466.sig', probes: [{ argv: ['/usr/local/bin/guest-health', '--quick'], timeout: 30 }] },
              { name: 'xsa-467', file: 'payloads/xsa-467.livepatch', sha256: 'cd'.repeat(32), state: 'uploaded' },
              { name: 'xsa-400', state: 'absent' },
            ],
          },
        ],
      },
      null,
      2,
    );
    const parsed = parseManifest(json, 'site.json', { baseDir: '/srv/xlp' });
    expect(parsed.unmanaged).toBe('remove');
    const strip = (m: typeof parsed): unknown => m.hypervisors.map((h) => ({ ...h, position: undefined, payloads: h.payloads.map((p) => ({ ...p, position: undefined, at: undefined })) }));
    expect(strip(parsed)).toEqual(strip(yaml));
    // A JSON entry starts at its brace.
    expect(parsed.hypervisors[0]!.payloads[1]!.position).toEqual({ file: 'site.json', ...atOffset(json, json.lastIndexOf('{', json.indexOf('"name": "xsa-467"'))) });
  });

  it('one compact JSON line works too, and a wrong key in it is placed on its column', () => {
    const json = `{"version": 1, "hypervisors": [{"build-id": "${XEN}", "payloads": [{"name": "a", "state": "absent", "sha265": "x"}]}]}`;
    expectProblem(onlyProblem(json, 'site.json'), json, '"sha265"', ['unknown key "sha265" in payload a; did you mean "sha256"?'], 0, 'site.json');
  });

  it('allows the same payload name under two hypervisors, an empty payload list, and unmanaged: remove', () => {
    const text = `version: 1\nunmanaged: remove\nhypervisors:\n  - build-id: ${XEN}\n    payloads:\n      - {name: a, state: absent}\n  - build-id: ${OTHER_XEN}\n    payloads:\n      - {name: a, state: absent}\n  - build-id: ${'ef'.repeat(20)}\n    payloads: []\n`;
    const parsed = parseManifest(text, 'site.yaml');
    expect(parsed.hypervisors.map((h) => h.payloads.length)).toEqual([1, 1, 0]);
  });

  it('ignores file, sha256, signature and probes of an absent entry (but still checks their spelling)', () => {
    const absent = good('      - name: xsa-400\n        state: absent\n', '      - name: xsa-400\n        state: absent\n        file: old.livepatch\n        sha256: not-checked-for-absent-entries-since-it-is-ignored-anyway-but-typed\n');
    // sha256 is still a sha256 when written: the schema types every key.
    expect(problemsOf(absent).map((p) => p.message)).toEqual([expect.stringContaining('sha256 of payload xsa-400 "not-checked')]);
    const plain = parseManifest(good('      - name: xsa-400\n        state: absent\n', '      - name: xsa-400\n        state: absent\n        file: old.livepatch\n'), 'site.yaml');
    expect(plain.hypervisors[0]!.payloads[2]).toMatchObject({ name: 'xsa-400', state: 'absent', probes: [] });
    expect(plain.hypervisors[0]!.payloads[2]!.file).toBeUndefined();
  });
});

describe('unknown keys: at the key, with the nearest known key', () => {
  it('sha265 in a payload, and the sha256 it lacks at the payload entry', () => {
    const text = good('        sha256:', '        sha265:');
    const error = manifestError(() => parseManifest(text, 'site.yaml'));
    expect(error.problems).toHaveLength(2);
    expectProblem(error.problems[0]!, text, 'name: xsa-466', ['payload xsa-466 has no sha256 (required when state is applied or uploaded); add sha256:']);
    expectProblem(error.problems[1]!, text, 'sha265', []);
    expect(error.problems[1]!.message).toBe('unknown key "sha265" in payload xsa-466; did you mean "sha256"?');
    expect(error.message).toBe(`site.yaml:${at(text, 'name: xsa-466').line}:9: payload xsa-466 has no sha256 (required when state is applied or uploaded); add sha256: with the file's digest, as sha256sum prints it (and 1 more problem)`);
  });

  it.each([
    ['at the top level', 'hypervisors:', 'hypervisor:', 'unknown key "hypervisor" at the top level; did you mean "hypervisors"?'],
    ['in a hypervisor', '    payloads:', '    Build_ID: x\n    payloads:', `unknown key "Build_ID" in hypervisor ${XEN}; did you mean "build-id"?`],
    ['in a probe', '            timeout: 30', '            timeout: 30\n            timout: 5', 'unknown key "timout" in probe 1 of payload xsa-466; did you mean "timeout"?'],
    ['with nothing near it', '        state: applied', '        state: applied\n        colour: blue', 'unknown key "colour" in payload xsa-466; the keys allowed here are name, state, file, sha256, signature, probes'],
  ])('%s', (_what, from, to, message) => {
    const text = good(from, to);
    const key = /"([^"]+)"/.exec(message)![1]!;
    const problems = problemsOf(text).filter((p) => p.message.startsWith('unknown key'));
    expect(problems).toHaveLength(1);
    expectProblem(problems[0]!, text, `${key}:`, []);
    expect(problems[0]!.message).toBe(message);
  });
});

describe('missing keys: at the entry that lacks them', () => {
  it.each([
    ['version', 'version: 1\n', '', 'hypervisors:', 'the manifest has no version; add version: 1'],
    ['build-id', `  - build-id: ${XEN}\n    payloads:\n`, '  - payloads:\n', 'payloads:', "hypervisor entry 1 has no build-id; add build-id: with the hypervisor's build-id"],
    ['name', '      - name: xsa-467\n        file:', '      - file:', 'file: payloads/xsa-467', `payload entry 2 of hypervisor ${XEN} has no name`],
    ['state', '        state: uploaded\n', '', 'name: xsa-467', 'payload xsa-467 has no state; add state: applied, uploaded or absent'],
    ['file of an uploaded payload', '        file: payloads/xsa-467.livepatch\n', '', 'name: xsa-467', 'payload xsa-467 has no file (required when state is applied or uploaded)'],
    ['timeout of a probe', '            timeout: 30\n', '', 'argv: [', 'probe 1 of payload xsa-466 has no timeout'],
  ])('%s', (_what, from, to, needle, message) => {
    const text = good(from, to);
    const problem = onlyProblem(text);
    expectProblem(problem, text, needle, [message]);
  });
});

describe('wrong values: at the value, saying what to write', () => {
  it.each([
    ['version 2', 'version: 1', 'version: 2', '2', ['version must be 1, not 2']],
    ['a timeout in quotes', 'timeout: 30', 'timeout: "30"', '"30"', ['timeout of probe 1 of payload xsa-466 must be a whole number, not a string ("30")']],
    ['a timeout of 0', 'timeout: 30', 'timeout: 0', '0\n', ['timeout of probe 1 of payload xsa-466 must be 1 to 3600 (seconds), not 0']],
    ['a timeout over an hour', 'timeout: 30', 'timeout: 3601', '3601', ['must be 1 to 3600 (seconds), not 3601']],
    ['a fractional timeout', 'timeout: 30', 'timeout: 1.5', '1.5', ['must be a whole number, not the number 1.5']],
    ['a state misspelt', 'state: applied', 'state: aplied', 'aplied', ['state of payload xsa-466 must be applied, uploaded or absent, not "aplied"; did you mean "applied"?']],
    ['unmanaged misspelt', 'version: 1\n', 'version: 1\nunmanaged: remov\n', 'remov', ['unmanaged must be keep or remove, not "remov"; did you mean "remove"?']],
    ['an uppercase build-id', `build-id: ${XEN}`, `build-id: ${XEN.toUpperCase()}`, XEN.toUpperCase(), [`build-id of hypervisor entry 1 "${XEN.toUpperCase()}" is not a build-id; write it in lowercase: ${XEN}`]],
    ['an odd build-id', `build-id: ${XEN}`, 'build-id: abc', 'abc', ['is not a build-id; write an even number of lowercase hex digits, 2 to 128']],
    ['a short sha256', `sha256: ${SHA}`, `sha256: ${SHA.slice(1)}`, SHA.slice(1), ['sha256 of payload xsa-466', 'is not a sha256; write 64 lowercase hex digits, as sha256sum prints them (this has 63)']],
    ['an uppercase sha256', `sha256: ${SHA}`, `sha256: ${SHA.toUpperCase()}`, SHA.toUpperCase(), [`write it in lowercase: ${SHA}`]],
    ['a relative probe program', '[/usr/local/bin/guest-health', '[guest-health', 'guest-health', ['argv[0] of probe 1 of payload xsa-466 "guest-health" is not an absolute path', 'e.g. /usr/local/bin/guest-health']],
    ['an empty argv', 'argv: [/usr/local/bin/guest-health, --quick]', 'argv: []', '[]', ["argv of probe 1 of payload xsa-466 is empty; write the program's absolute path, then its arguments"]],
    ['an empty file path', 'file: payloads/xsa-467.livepatch', 'file: ""', '""', ['file of payload xsa-467 is empty']],
    ['a name with a space', 'name: xsa-466', 'name: xsa 466', 'xsa 466', ['payload name "xsa 466" is not allowed: it contains whitespace; a payload name is 1 to 127 bytes']],
    ['a name with a slash', 'name: xsa-466', 'name: xsa/466', 'xsa/466', ["it contains '/'"]],
  ])('%s', (_what, from, to, needle, parts) => {
    const text = good(from, to);
    const problem = onlyProblem(text);
    expectProblem(problem, text, needle, parts);
  });

  it('no hypervisors at all, and payloads that are not a list', () => {
    const none = 'version: 1\nunmanaged: keep\n';
    expectProblem(onlyProblem(none), none, 'version', ['the manifest has no hypervisors; add hypervisors: with one entry per hypervisor build']);
    const mapping = `version: 1\nhypervisors:\n  - build-id: ${XEN}\n    payloads: {}\n`;
    expectProblem(onlyProblem(mapping), mapping, '{}', [`payloads of hypervisor ${XEN} must be a list (lines starting with -, or [a, b]), not a mapping`]);
  });

  it('a number where a string belongs: write it in quotes', () => {
    const text = `version: 1\nhypervisors:\n  - build-id: 1234\n    payloads: []\n`;
    expectProblem(onlyProblem(text), text, '1234', ['build-id of hypervisor entry 1 must be a string, not the number 1234; write it in quotes ("1234") to make it a string']);
  });

  it('a name longer than Xen allows in bytes, though short in characters: xlp\'s own rule (payload-name.ts) says so', () => {
    const name = 'é'.repeat(64);
    const text = good('name: xsa-466', `name: ${name}`);
    expectProblem(onlyProblem(text), text, name, [`payload name "${name}" is not allowed: it is 128 bytes long; a payload name is 1 to 127 bytes of UTF-8`]);
  });

  it('an empty manifest, and one that is not a mapping', () => {
    expectProblem(onlyProblem('# nothing yet\n'), '# nothing yet\n', '#', ['the manifest is empty; it starts with version: 1, then hypervisors:']);
    expectProblem(onlyProblem('- a\n- b\n'), '- a\n- b\n', '- a', ['the manifest must be a mapping (version: 1, hypervisors: ...), not a list']);
  });

  it('an empty hypervisor list', () => {
    const text = 'version: 1\nhypervisors: []\n';
    expectProblem(onlyProblem(text), text, '[]', ['hypervisors is empty; list at least one hypervisor build']);
  });
});

describe('duplicates: at the second, naming the line of the first', () => {
  it('a payload name used twice in one hypervisor', () => {
    const text = good('      - name: xsa-400\n', '      - name: xsa-466\n');
    expectProblem(onlyProblem(text), text, 'xsa-466\n', [`payload name xsa-466 is used twice in hypervisor ${XEN} (first at line ${at(text, 'xsa-466').line}); give each entry its own name`], 1);
  });

  it('a hypervisor build-id listed twice', () => {
    const text = `${GOOD}  - build-id: ${XEN}\n    payloads: []\n`;
    expectProblem(onlyProblem(text), text, XEN, [`hypervisor build-id ${XEN} is listed twice (first at line ${at(text, XEN).line}); merge the two entries into one`], 1);
  });

  it('a key written twice in one mapping (a YAML error)', () => {
    const text = good(`        sha256: ${SHA}\n`, `        sha256: ${SHA}\n        sha256: ${SHA}\n`);
    expectProblem(onlyProblem(text), text, 'sha256:', [`duplicate key "sha256" (first at line ${at(text, 'sha256:').line}): a key may appear once in each mapping`], 1);
  });

  it('a key written twice in JSON', () => {
    const text = `{"version": 1, "version": 1, "hypervisors": []}`;
    expectProblem(onlyProblem(text, 'site.json'), text, '"version"', ['duplicate key "version" (first at line 1)'], 1, 'site.json');
  });
});

describe('syntax: YAML and JSON errors at their place', () => {
  it('an unclosed flow list', () => {
    const text = good('argv: [/usr/local/bin/guest-health, --quick]', 'argv: [/usr/local/bin/guest-health, --quick');
    const problems = problemsOf(text);
    expect(problems[0]!.message).toMatch(/^YAML syntax error: /);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(at(text, 'argv').line);
  });

  it('a JSON object missing a comma', () => {
    const text = '{\n  "version": 1\n  "hypervisors": []\n}\n';
    const problems = problemsOf(text, 'site.json');
    // Where YAML notices: the value before the missing comma.
    expect(problems[0]).toMatchObject({ file: 'site.json', ...atOffset(text, text.indexOf('1\n')) });
    expect(problems[0]!.message).toMatch(/^YAML syntax error: .*; in JSON, look for a missing comma, quote or bracket here or just before$/);
  });

  it('a tab used to indent', () => {
    const text = 'version: 1\nhypervisors:\n\t- build-id: aa\n';
    expectProblem(problemsOf(text)[0]!, text, '\t', ['a tab used to indent: YAML indents with spaces only']);
  });

  it('a second document', () => {
    const text = `${GOOD}---\nversion: 1\n`;
    expectProblem(onlyProblem(text), text, '---', ['a second YAML document (after ---): a manifest is one document']);
  });

  it('an alias, and tags', () => {
    const text = good('        probes:\n', '        probes: &health\n').replace('      - name: xsa-467\n', '      - name: xsa-467\n        probes: *health\n');
    expectProblem(onlyProblem(text), text, '*health', ['alias *health is not allowed in a manifest; write the value out in full']);
    const tagged = good('state: absent', 'state: !custom absent');
    expectProblem(onlyProblem(tagged), tagged, '!custom', ['tag !custom is not allowed in a manifest: it is plain data; remove the tag']);
    const binary = good('state: absent', 'state: !!binary YWJzZW50');
    expectProblem(onlyProblem(binary), binary, '!!binary', ['tag !!binary is not allowed in a manifest']);
  });
});

describe('the error thrown', () => {
  it('is exit 16, code manifest-invalid, every problem sorted by position, the list capped', () => {
    const keys = Array.from({ length: MAX_PROBLEMS + 10 }, (_, i) => `    unknown${i}: x\n`).join('');
    const text = `version: 1\nhypervisors:\n  - build-id: ${XEN}\n${keys}    payloads: []\nextra: 1\n`;
    const error = manifestError(() => parseManifest(text, 'big.yaml'));
    expect(error).toBeInstanceOf(ManifestError);
    expect([error.code, error.exitCode]).toEqual(['manifest-invalid', ExitCode.MANIFEST_INVALID]);
    expect(error.total).toBe(MAX_PROBLEMS + 11);
    expect(error.problems).toHaveLength(MAX_PROBLEMS);
    const lines = error.problems.map((p) => p.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(error.message).toBe(`big.yaml:4:5: unknown key "unknown0" in hypervisor ${XEN}; the keys allowed here are build-id, payloads (and ${MAX_PROBLEMS + 10} more problems)`);
    const json = error.toJSON();
    expect(json).toMatchObject({ code: 'manifest-invalid', exitCode: 16, unlisted: 11 });
    expect((json.problems as unknown[])[0]).toEqual({ file: 'big.yaml', line: 4, column: 5, message: error.problems[0]!.message });
  });

  it('names the file as the operator wrote it, escaped', () => {
    const problem = onlyProblem('version: 2\nhypervisors: []\n'.replace('hypervisors: []', `hypervisors:\n  - build-id: ${XEN}\n    payloads: []`), 'conf/site\u001b.yaml');
    expect(problem.file).toBe('conf/site\u001b.yaml');
    expect(manifestError(() => parseManifest('version: 2', 'a\u001b.yaml')).message).not.toContain('\u001b');
  });
});
