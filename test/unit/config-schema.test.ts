/**
 * One description of the settings, held together: the schema shipped in docs/schema/, the validator
 * compiled from it, the settings list (src/config/settings.ts), the flags that give them and the
 * syslog priorities the audit journal accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { SETTINGS, boundElsewhere } from '../../src/config/settings.js';
import { REPO } from '../helpers/cli.js';

interface Node {
  readonly properties?: Record<string, Node>;
  readonly $ref?: string;
  readonly pattern?: string;
  readonly $defs?: Record<string, Node>;
}
const schema = JSON.parse(readFileSync(join(REPO, 'docs', 'schema', 'config.schema.json'), 'utf8')) as Node;
const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { flags: Record<string, { env?: string }> }> };

describe('the config schema', () => {
  it('is what the validator was compiled from (node scripts/gen-config-validator.mjs; npm run build does)', async () => {
    const check = await execa(process.execPath, [join(REPO, 'scripts', 'gen-config-validator.mjs'), '--check'], { reject: false });
    expect(check.stderr).toBe('');
    expect(check.exitCode).toBe(0);
  });

  it('has a key for every setting, and no key that is not one', () => {
    const keys = Object.entries(schema.properties ?? {}).flatMap(([section, node]) => Object.keys(node.properties ?? {}).map((key) => `${section}.${key}`));
    expect(keys.sort()).toEqual(SETTINGS.map((spec) => spec.key).sort());
  });

  it('accepts the syslog priorities the journal forwards with, and only those', async () => {
    const syslog = await import('../../src/audit/syslog.js');
    expect(schema.$defs?.syslog?.pattern).toBe(syslog.PRIORITY.source);
    for (const value of ['authpriv.notice', 'local7.debug', 'daemon.err']) expect(syslog.syslogPriority(value)).toBe(value);
    expect(() => syslog.syslogPriority('local8.info')).toThrow();
  });

  it('names, for each setting a flag gives, the flag and environment variable the commands define', () => {
    for (const spec of SETTINGS) {
      if (spec.flag === undefined) continue;
      const definitions = Object.values(manifest.commands).flatMap((command) => (command.flags[spec.flag as string] === undefined ? [] : [command.flags[spec.flag as string]]));
      expect(definitions.length, spec.flag).toBeGreaterThan(0);
      // Flags read by the settings alone carry no env binding; the others carry the setting's. A flag of
      // the same name bound to another variable is another setting, which the settings leave alone
      // (audit verify's --allowed-signers, XLP_AUDIT_ALLOWED_SIGNERS, trusts seal signers, not payload signers).
      for (const definition of definitions) {
        if (definition?.env === undefined || boundElsewhere(spec.flag, definition.env)) continue;
        expect(definition.env, spec.flag).toBe(spec.env);
      }
    }
  });
});
