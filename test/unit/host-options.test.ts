/**
 * The host options have one table (src/host/options.ts): every command that reaches a hypervisor
 * offers each of them with its environment variable, `xlp list`'s fast path reads each of them from
 * its flag, and the settings (src/config/) read each from its variable and its config key. A flag
 * missing from any of them fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFastList } from '../../cli/fast-list.js';
import { hostOptionsOf } from '../../src/config/host-options.js';
import { resolveSettings } from '../../src/config/resolve.js';
import { HOST_OPTIONS } from '../../src/host/options.js';
import { REPO } from '../helpers/cli.js';

interface ManifestFlag {
  readonly env?: string;
  readonly helpGroup?: string;
}
const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { flags: Record<string, ManifestFlag> }> };
const HOST_COMMANDS = ['list', 'status', 'load', 'upload', 'apply', 'revert', 'unload', 'replace'];

/** A value the option accepts. */
const valueFor = (spec: (typeof HOST_OPTIONS)[number]): string => ('values' in spec ? (spec.values[1] ?? spec.values[0]) : `/some/${spec.flag}`);

describe('the host options table', () => {
  it.each(HOST_COMMANDS)('gives `xlp %s` every host flag, bound to its environment variable', (command) => {
    const flags = manifest.commands[command]?.flags ?? {};
    for (const spec of HOST_OPTIONS) expect(flags[spec.flag], `${command} --${spec.flag}`).toMatchObject({ env: spec.env, helpGroup: 'HOST' });
  });

  it.each(HOST_OPTIONS.map((spec) => [spec.flag, spec] as const))('lets the fast path read --%s, and the settings its variable and config key', (_flag, spec) => {
    const value = valueFor(spec);
    expect(parseFastList(['list', `--${spec.flag}`, value], {})?.flags[spec.flag]).toBe(value);
    expect(parseFastList(['list', `--${spec.flag}=${value}`], {})?.flags[spec.flag]).toBe(value);
    // The simulator's state file is no setting: src/paths.ts reads it (and XLP_SIM_STATE) for the sim root.
    if (!('config' in spec)) return;
    const [section, key] = spec.config.split('.') as [string, string];
    expect(hostOptionsOf(resolveSettings({ files: [], env: { [spec.env]: value } }), undefined)[spec.key]).toBe(value);
    expect(hostOptionsOf(resolveSettings({ files: [{ path: '/etc/xlp/config.json', scope: 'system', values: { [section]: { [key]: value } } }], env: {} }), undefined)[spec.key]).toBe(value);
  });

  it('leaves anything else to oclif', () => {
    expect(parseFastList(['list', '--no-such-flag'], {})).toBeUndefined();
    expect(parseFastList(['list', '--host', 'a', '--host', 'b'], {})).toBeUndefined();
    expect(parseFastList(['list'], { XLP_HOST: '' })).toBeUndefined();
  });
});
