/**
 * The config files, read in-process (src/config/load.ts): every kind of invalid file is refused as
 * a usage error naming FILE:LINE:COLUMN, what is wrong and what to write instead; a file others
 * could write is refused naming the real fault; a missing file is no file.
 */
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadConfigFiles } from '../../src/config/load.js';
import { ExitCode, type XlpError } from '../../src/errors.js';
import { caught } from '../helpers/caught.js';
import { withTempDir } from '../helpers/cli.js';

/** Loads a user config with this content (and no system config); returns the error it is refused with. */
async function refusal(content: string | Uint8Array, mode = 0o600): Promise<{ error: XlpError; path: string }> {
  return withTempDir('xlp-config-', async (dir) => {
    const path = join(dir, 'user', 'config.json');
    await mkdir(join(dir, 'user'));
    await writeFile(path, content, { mode });
    await chmod(path, mode);
    return { error: await caught(loadConfigFiles([join(dir, 'system'), join(dir, 'user')])), path };
  });
}

/** The message without its path: ":LINE:COLUMN: what; instead". */
async function problem(content: string | Uint8Array): Promise<string> {
  const { error, path } = await refusal(content);
  expect([error.code, error.exitCode]).toEqual(['config-invalid', ExitCode.USAGE]);
  expect(error.message.startsWith(path)).toBe(true);
  return error.message.slice(path.length);
}

describe('config files: what exists is read, system first', () => {
  it('reads nothing when neither file exists, and both in order when they do', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      const dirs: [string, string] = [join(dir, 'system'), join(dir, 'user')];
      expect(await loadConfigFiles(dirs)).toEqual([]);
      for (const [i, d] of dirs.entries()) {
        await mkdir(d);
        await writeFile(join(d, 'config.json'), JSON.stringify({ host: { timeout: i } }), { mode: 0o644 });
      }
      expect(await loadConfigFiles(dirs)).toEqual([
        { path: join(dirs[0], 'config.json'), scope: 'system', values: { host: { timeout: 0 } } },
        { path: join(dirs[1], 'config.json'), scope: 'user', values: { host: { timeout: 1 } } },
      ]);
    });
  });

  it('follows a symlink to a file that is itself trustworthy', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      await mkdir(join(dir, 'user'));
      await writeFile(join(dir, 'real.json'), '{"verify": {"signer": "a@b"}}', { mode: 0o644 });
      await symlink(join(dir, 'real.json'), join(dir, 'user', 'config.json'));
      expect((await loadConfigFiles([join(dir, 'system'), join(dir, 'user')]))[0]?.values).toEqual({ verify: { signer: 'a@b' } });
    });
  });
});

describe('a file that is not valid JSON', () => {
  it.each([
    ['{"verify": {"requireSignature": tru}}', ':1:33: "tru" is not JSON; write strings in double quotes, numbers, true, false, null, objects and arrays'],
    ['{\n  "verify": {"requireSignature": true,}\n}', ':2:38: a trailing comma, which JSON does not allow; remove the comma'],
    ['{"host": {"timeout": 30}} // thirty', ':1:27: a comment, which JSON does not allow; remove the comment'],
    ['', ':1:1: the file is empty; write {} or the settings you need, e.g. {"verify": {"requireSignature": true}}'],
    ['  \n', ':1:1: the file is empty; write {} or the settings you need, e.g. {"verify": {"requireSignature": true}}'],
    ['{"verify": {"signer": "a@b}}', ':1:23: a string that is not closed; end it with "'],
    ['{"host": {}}\n{"audit": {}}', ':2:1: text after the end of the configuration; keep one JSON object in the file'],
    ["{'host': {}}", `:1:2: "'host'" is not JSON; write strings in double quotes, numbers, true, false, null, objects and arrays`],
    ['{"host" {}}', ':1:9: ":" was expected after the key; write "key": value'],
    ['{"host": {"timeout": 30 "lockTimeout": 60}}', ':1:25: "," was expected between two members; separate members with a comma'],
    ['{"host": {"timeout": 30}', ':1:25: "}" was expected: the object is not closed; close every { with }'],
    ['{"verify": {"signer": "a\tb"}}', ':1:25: a control character inside a string; write it as an escape such as \\t'],
    ['{"verify": {"signer": "a\\qb"}}', ':1:23: an escape JSON does not know; write \\\\ for a backslash, \\" for a quote'],
  ])('%j', async (content, expected) => {
    expect(await problem(content)).toBe(expected);
  });

  it('refuses a key given twice, which JSON.parse would silently settle by keeping the last', async () => {
    expect(await problem('{"verify": {\n  "requireSignature": true,\n  "requireSignature": false\n}}')).toBe(':3:3: "requireSignature" is given twice (also on line 2); keep one of them');
  });

  it('refuses bytes that are not UTF-8, where they start', async () => {
    const bytes = Buffer.concat([Buffer.from('{"verify": {\n "signer": "a'), Buffer.from([0xff]), Buffer.from('"}}')]);
    expect(await problem(bytes)).toBe(':2:14: the file is not UTF-8 text; save it as UTF-8');
  });
});

describe('a file the schema refuses', () => {
  it.each([
    ['null', ':1:1: the configuration must be an object, not null; write e.g. {"verify":{"requireSignature":true}}'],
    ['[]', ':1:1: the configuration must be an object, not an array; write e.g. {"verify":{"requireSignature":true}}'],
    ['{"verify": []}', ':1:12: "verify" must be an object, not an array; write e.g. {"requireSignature":true,"allowedSigners":"/etc/xlp/allowed_signers"}'],
    ['{"verify": null}', ':1:12: "verify" must be an object, not null; write e.g. {"requireSignature":true,"allowedSigners":"/etc/xlp/allowed_signers"}'],
    ['{"verfy": {"requireSignature": true}}', ':1:2: unknown section "verfy"; did you mean "verify"? the sections are verify, host, audit, boot'],
    ['{"Verify": {}}', ':1:2: unknown section "Verify"; did you mean "verify"? the sections are verify, host, audit, boot'],
    ['{"policy": {}}', ':1:2: unknown section "policy"; the sections are verify, host, audit, boot'],
    ['{"timeout": 30}', ':1:2: unknown section "timeout"; "timeout" belongs in the "host" section: write {"host": {"timeout": …}}'],
    ['{"verify": {"requireSignatures": true}}', ':1:13: unknown key "requireSignatures" in "verify"; did you mean "requireSignature"? the keys of "verify" are requireSignature, allowedSigners, signer'],
    ['{"verify": {"log": "/x"}}', ':1:13: unknown key "log" in "verify"; "log" belongs in the "audit" section: write {"audit": {"log": …}}'],
    ['{"__proto__": {}}', ':1:2: unknown section "__proto__"; the sections are verify, host, audit, boot'],
    ['{"verify": {"requireSignature": "yes"}}', ':1:33: "verify.requireSignature" must be true or false, not the string "yes"; write true or false, without quotes'],
    ['{"verify": {"requireSignature": 1}}', ':1:33: "verify.requireSignature" must be true or false, not 1; write true or false, without quotes'],
    ['{"verify": {"signer": ""}}', ':1:23: "verify.signer" must be text without control characters, not an empty string; write e.g. "release@example.org"'],
    ['{"host": {"timeout": "30"}}', ':1:22: "host.timeout" must be a whole number of seconds from 0 to 86400, not the string "30"; write e.g. 30'],
    ['{"host": {"lockTimeout": 1.5}}', ':1:26: "host.lockTimeout" must be a whole number of seconds from 0 to 86400, not 1.5; write e.g. 60'],
    ['{"host": {"timeout": 86401}}', ':1:22: "host.timeout" must be a whole number of seconds from 0 to 86400, not 86401; write e.g. 30'],
    ['{"host": {"timeout": -1}}', ':1:22: "host.timeout" must be a whole number of seconds from 0 to 86400, not -1; write e.g. 30'],
    ['{"host": {"backend": "kvm"}}', ':1:22: "host.backend" must be one of "xen-livepatch", "sim", not the string "kvm"; write e.g. "xen-livepatch"'],
    ['{"host": {"xl": "bin/xl"}}', ':1:17: "host.xl" must be an absolute path without control characters, not the string "bin/xl"; write e.g. "/usr/sbin/xl"'],
    ['{"host": {"host": "-oProxyCommand=x"}}', ':1:19: "host.host" must be an ssh destination [user@]host[:port], not the string "-oProxyCommand=x"; write e.g. "root@dom0.example.org"'],
    ['{"audit": {"syslog": "on"}}', ':1:22: "audit.syslog" must be a facility.level such as authpriv.notice, not the string "on"; write e.g. "authpriv.notice"'],
    ['{"audit": {"sealKey": "/k", "sealSshKey": "/s"}}', ':1:29: "audit.sealSshKey" cannot be set together with "audit.sealKey"; keep one of them'],
  ])('%s', async (content, expected) => {
    expect(await problem(content)).toBe(expected);
  });

  it('reports the first problem in reading order, and how many more there are', async () => {
    const content = '{\n  "verify": {"requireSignature": "yes", "bogus": 1},\n  "host": {"timeout": "x"}\n}';
    expect(await problem(content)).toBe(':2:34: "verify.requireSignature" must be true or false, not the string "yes"; write true or false, without quotes (and 2 more problems after it)');
  });
});

describe('who may have written the file', () => {
  it('refuses a file others can write, naming that fault (not the owner, root here)', async () => {
    const { error, path } = await refusal('{}', 0o666);
    expect(error.message).toBe(`config file ${path} refused: writable by others (mode 0666)`);
    expect(error.hint).toBe(`only root or its owner may be able to change it: chmod go-w ${path}`);
  });

  it('refuses a file its group can write', async () => {
    const { error, path } = await refusal('{}', 0o664);
    expect(error.message).toBe(`config file ${path} refused: writable by its group (mode 0664)`);
  });

  it.runIf(process.getuid?.() === 0)('refuses a file owned by another user, naming the owner', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      const path = join(dir, 'user', 'config.json');
      await mkdir(join(dir, 'user'));
      await writeFile(path, '{}', { mode: 0o644 });
      await chown(path, 4242, 0);
      const error = await caught(loadConfigFiles([join(dir, 'system'), join(dir, 'user')]));
      expect(error.message).toBe(`config file ${path} refused: owned by uid 4242, neither root nor the user running xlp (uid 0)`);
      expect(error.hint).toBe(`only root or its owner may be able to change it: chown root ${path}`);
    });
  });

  it('refuses what is not a regular file', async () => {
    await withTempDir('xlp-config-', async (dir) => {
      await mkdir(join(dir, 'user', 'config.json'), { recursive: true });
      const asDirectory = await caught(loadConfigFiles([join(dir, 'system'), join(dir, 'user')]));
      expect(asDirectory.message).toBe(`config file ${join(dir, 'user', 'config.json')} is not a regular file (a directory)`);
      await mkdir(join(dir, 'fifo'));
      await execa('mkfifo', [join(dir, 'fifo', 'config.json')]);
      const asFifo = await caught(loadConfigFiles([join(dir, 'fifo'), join(dir, 'user2')]));
      expect([asFifo.code, asFifo.message]).toEqual(['config-invalid', `config file ${join(dir, 'fifo', 'config.json')} is not a regular file (a FIFO)`]);
    });
  });
});
