/**
 * The fake xen-livepatch's command line and output rules (xen-livepatch.md §2–§4, §11, §12) for
 * each tool generation, run in-process over a private simulated host with real payload files.
 * Expected texts are the real tool's format strings as documented for each Xen version.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addSimFault, readSimState } from '../../src/host/sim/admin.js';
import { loadName, runFakeXenLivepatch } from '../../src/host/sim/fake-xen-livepatch.js';
import { buildPayload } from '../helpers/payloads.js';
import { buildIdOf, simSandbox, withOwnBuildId, type SimSandbox } from '../helpers/sim-host.js';

const HELP_G4 = `xen-livepatch: live patching tool
Usage: xen-livepatch [--force] <command> [args] [command-flags]
 Use --force option to bypass some checks.
 <name> An unique name of payload. Up to 128 characters.
Commands:
  help                   display this help
  upload <name> <file>   upload file <file> with <name> name
  list                   list payloads uploaded.
  apply <name> [flags]   apply <name> patch.
    Supported flags:
      --nodeps           Disable inter-module buildid dependency check.
                         Check only against hypervisor buildid.
  revert <name>          revert name <name> patch.
  replace <name>         apply <name> patch and revert all others.
  unload <name>          unload name <name> patch.
  load <file> [flags]    upload and apply <file> with name as the <file> name
    Supported flags:
      --nodeps           Disable inter-module buildid dependency check.
                         Check only against hypervisor buildid.
`;
const HELP_G3 = HELP_G4.replace('Usage: xen-livepatch [--force] <command>', 'Usage: xen-livepatch <command>').replace(
  ' Use --force option to bypass some checks.\n',
  '',
);
const HELP_G2 = `xen-livepatch: live patching tool
Usage: xen-livepatch <command> [args]
 <name> An unique name of payload. Up to 128 characters.
Commands:
  help                   display this help
  upload <name> <file>   upload file <file> with <name> name
  list                   list payloads uploaded.
  apply <name>           apply <name> patch.
  revert <name>          revert name <name> patch.
  replace <name>         apply <name> patch and revert all others.
  unload <name>          unload name <name> patch.
  load  <file>           upload and apply <file>.
                         name is the <file> name
`;
const HEADER_G3 = ' ID                                     | status     | metadata\n----------------------------------------+------------+---------------\n';
const HEADER_G2 = ' ID                                     | status\n----------------------------------------+------------\n';
const HANDLE_FAILURE = 'xencall: error: Could not obtain handle on privileged command interface: No such file or directory\nfailed to get the handler\n';

let payloadA: string;
let payloadB: string;
let stackedOnA: string;
let withData: string;
let withMeta: string;
/** The same for Xen before 4.14, which takes payload version 1 (64-byte descriptors). */
let withMetaV1: string;

beforeAll(async () => {
  payloadA = await buildPayload({ id: 'lpa' });
  payloadB = await buildPayload({ id: 'lpb', returns: '-lpb' });
  stackedOnA = await buildPayload({ id: 'lpc', depends: await buildIdOf(payloadA) });
  withData = await buildPayload({ id: 'lpd', withData: true });
  withMeta = await buildPayload({ id: 'lpm', modinfo: ['XSA=466', 'VENDOR=acme'] });
  withMetaV1 = await buildPayload({ id: 'lpm', modinfo: ['XSA=466', 'VENDOR=acme'], payloadVersion: 1 });
}, 120_000);

let box: SimSandbox;
afterEach(() => box?.remove());

/** A fresh host playing `version`; returns a runner of the fake against it. */
async function host(version = '4.19.0') {
  box = await simSandbox(version);
  const run = async (...argv: string[]) => {
    const r = await runFakeXenLivepatch(argv, box.env());
    return { out: r.stdout, err: r.stderr, code: r.exitCode };
  };
  return run;
}

const result = (out: string, err: string, code: number) => ({ out, err, code });

describe('argv handling (§2)', () => {
  it('prints help on stderr and exits 0 with no arguments, per generation', async () => {
    for (const [version, help] of [
      ['4.19.0', HELP_G4],
      ['4.17.7', HELP_G3],
      ['4.13.5', HELP_G2],
    ] as const) {
      const run = await host(version);
      expect(await run()).toEqual(result('', help, 0));
      await box.remove();
    }
  });

  it('takes --force only as the first argument, from 4.19', async () => {
    let run = await host('4.19.0');
    expect(await run('--force')).toEqual(result('', HELP_G4, 1));
    expect(await run('--force', 'upload', 'a', payloadA)).toEqual(result(`Uploading ${payloadA}... completed\n`, '', 0));
    expect(await run('apply', 'a', '--force')).toEqual(result('', 'Unsupported flag: --force.\n', 1));
    await box.remove();
    run = await host('4.17.7');
    expect(await run('--force', 'list')).toEqual(result('', "Unrecognised command '--force' -- try 'xen-livepatch help'\n", 1));
  });

  it('matches command words exactly from 4.19 and by prefix before', async () => {
    let run = await host('4.19.0');
    for (const word of ['l', 'lis', 'un', '', 'apply2', '--help', '-h']) {
      expect(await run(word)).toEqual(result('', `Unrecognised command '${word}' -- try 'xen-livepatch help'\n`, 1));
    }
    await box.remove();
    run = await host('4.17.7');
    expect(await run('l')).toEqual(result('Nothing to list\n', '', 0));
    expect(await run('')).toEqual(result('', HELP_G3, 0));
    expect(await run('u', 'a', payloadA)).toEqual(result(`Uploading ${payloadA}... completed\n`, '', 0));
    expect(await run('a', 'a')).toEqual(result('Applying a... completed\n', '', 0));
    expect(await run('r', 'a')).toEqual(result('Reverting a... completed\n', '', 0));
    expect(await run('un', 'a')).toEqual(result('Unloading a... completed\n', '', 0));
    expect(await run('lo', payloadB)).toMatchObject({ code: 0 });
    expect(await run('listx')).toMatchObject({ code: 1, err: "Unrecognised command 'listx' -- try 'xen-livepatch help'\n" });
    expect(await run('--help')).toMatchObject({ code: 1 });
  });

  it('fails to open the handle with the xencall line and exit 0, for help too, but checks the command first', async () => {
    const run = await host();
    await addSimFault(box.statePath, { kind: 'no-handle', persistent: true }, box.env());
    expect(await run('help')).toEqual(result('', HANDLE_FAILURE, 0));
    expect(await run('list')).toEqual(result('', HANDLE_FAILURE, 0));
    expect(await run('bogus')).toEqual(result('', "Unrecognised command 'bogus' -- try 'xen-livepatch help'\n", 1));
    expect(await run()).toEqual(result('', HELP_G4, 0));
  });

  it('limits a no-handle fault to the command it names', async () => {
    const run = await host();
    await addSimFault(box.statePath, { kind: 'no-handle', action: 'upload' }, box.env());
    expect(await run('list')).toEqual(result('Nothing to list\n', '', 0));
    expect(await run('upload', 'a', payloadA)).toEqual(result('', HANDLE_FAILURE, 0));
    expect(await run('upload', 'a', payloadA)).toMatchObject({ code: 0, err: '' });
  });
});

describe('arity, names and flags (§3)', () => {
  it('shows help and exits 1 on a wrong argument count', async () => {
    const run = await host();
    for (const argv of [['list', 'x'], ['upload', 'a'], ['upload', 'a', 'b', 'c'], ['apply'], ['revert'], ['unload'], ['replace'], ['load']]) {
      expect(await run(...argv)).toEqual(result('', HELP_G4, 1));
    }
    expect(await run('help', 'extra')).toEqual(result('', HELP_G4, 0));
  });

  it('takes exactly one argument for actions and load before 4.14 (no --nodeps)', async () => {
    const run = await host('4.13.5');
    expect(await run('apply', 'a', '--nodeps')).toEqual(result('', HELP_G2, 1));
    expect(await run('revert', 'a', 'b')).toEqual(result('', HELP_G2, 1));
    expect(await run('load', payloadA, '--nodeps')).toEqual(result('', HELP_G2, 1));
  });

  it('refuses any flag but --nodeps, and --nodeps for anything but apply and load', async () => {
    const run = await host();
    expect(await run('apply', 'nosuch', '--nodeps', '--bogus')).toEqual(result('', 'Unsupported flag: --bogus.\n', 1));
    expect(await run('revert', 'a', '--nodeps')).toEqual(result('', 'Unsupported flag: --nodeps.\n', 1));
    expect(await run('unload', 'a', 'b')).toEqual(result('', 'Unsupported flag: b.\n', 1));
    expect(await run('replace', 'a', '-f')).toEqual(result('', 'Unsupported flag: -f.\n', 1));
    expect(await run('apply', '--nodeps')).toEqual(result('', 'Failed to get status of --nodeps.\nError 2: No such file or directory\n', 1));
  });

  it('refuses names over 128 bytes itself, and lets one of exactly 128 fail with EINVAL', async () => {
    const run = await host();
    const long = 'n'.repeat(129);
    const limit = 'n'.repeat(128);
    expect(await run('apply', long)).toEqual(result('', 'ID must be no more than 128 characters.\n', 1));
    expect(await run('upload', long, '/nonexistent')).toEqual(result('', 'ID must be no more than 128 characters.\n', 1));
    expect(await run('apply', limit)).toEqual(result('', `Failed to get status of ${limit}.\nError 22: Invalid argument\n`, 1));
    expect(await run('upload', limit, payloadA)).toEqual(result(`Uploading ${payloadA}... failed\n`, 'Error 22: Invalid argument\n', 1));
    expect(await run('upload', 'n'.repeat(127), payloadA)).toMatchObject({ code: 0 });
  });
});

describe('upload (§4)', () => {
  it('reports open, map and hypercall failures as the real tool does', async () => {
    const run = await host();
    const missing = join(box.dir, 'missing.livepatch');
    const empty = join(box.dir, 'empty.livepatch');
    const directory = join(box.dir, 'a-directory');
    await writeFile(empty, '');
    await mkdir(directory);
    expect(await run('upload', 'x', missing)).toEqual(result('', `Could not open ${missing}.\nError 2: No such file or directory\n`, 1));
    expect(await run('upload', 'x', empty)).toEqual(result('', `Could not map ${empty}.\nError 22: Invalid argument\n`, 1));
    // mmap(2) refuses a zero length with EINVAL and a directory (no mmap operation) with ENODEV.
    const dirError = (await stat(directory)).size === 0 ? 'Error 22: Invalid argument' : 'Error 19: No such device';
    expect(await run('upload', 'x', directory)).toEqual(result('', `Could not map ${directory}.\n${dirError}\n`, 1));
    expect(await run('upload', 'x', payloadA)).toEqual(result(`Uploading ${payloadA}... completed\n`, '', 0));
    expect(await run('upload', 'x', payloadB)).toEqual(result(`Uploading ${payloadB}... failed\n`, 'Error 17: File exists\n', 1));
    const garbage = join(box.dir, 'garbage.livepatch');
    await writeFile(garbage, 'not an ELF file at all');
    expect(await run('upload', 'g', garbage)).toEqual(result(`Uploading ${garbage}... failed\n`, 'Error 22: Invalid argument\n', 1));
  });

  it('exits 1 for ENOMEM and 2 for EBUSY from the hypercall', async () => {
    const run = await host();
    await addSimFault(box.statePath, { kind: 'sync-errno', errno: 12, action: 'upload' }, box.env());
    await addSimFault(box.statePath, { kind: 'sync-errno', errno: 16, action: 'upload' }, box.env());
    expect(await run('upload', 'a', payloadA)).toEqual(result(`Uploading ${payloadA}... failed\n`, 'Error 12: Cannot allocate memory\n', 1));
    expect(await run('upload', 'a', payloadA)).toEqual(result(`Uploading ${payloadA}... failed\n`, 'Error 16: Device or resource busy\n', 2));
    expect(await run('upload', 'a', payloadA)).toMatchObject({ code: 0 });
  });
});

describe('actions (§4 steps 1–7)', () => {
  it('says No action needed, or the wrong state on three lines, without a hypercall', async () => {
    const run = await host();
    await run('upload', 'a', payloadA);
    expect(await run('revert', 'a')).toEqual(result('No action needed.\n', '', 0));
    await run('apply', 'a');
    expect(await run('apply', 'a')).toEqual(result('No action needed.\n', '', 0));
    expect(await run('replace', 'a')).toEqual(result('No action needed.\n', '', 0));
    expect(await run('unload', 'a')).toEqual(result('', 'a is in the wrong state.\nCurrent state: APPLIED\nExpected state: CHECKED\n', 1));
    expect((await readSimState(box.statePath, box.env())).console).toHaveLength(3);
  });

  it('exits 2 for a revert below the top of the stack', async () => {
    const run = await host();
    await run('upload', 'base', payloadA);
    await run('upload', 'top', stackedOnA);
    await run('apply', 'base');
    await run('apply', 'top');
    expect(await run('revert', 'base')).toEqual(result('Reverting base... failed\n', 'Error 16: Device or resource busy\n', 2));
  });

  it('reports an asynchronous failure after the wait: re-applying a reverted payload with data', async () => {
    const run = await host();
    await run('upload', 'd', withData);
    await run('apply', 'd');
    await run('revert', 'd');
    expect(await run('apply', 'd')).toEqual(result('Applying d... failed\n', 'Error 22: Invalid argument\n', 1));
    expect(await run('list')).toEqual(result(`${HEADER_G3}d                                       | CHECKED (22, Invalid argument)    | \n`, '', 0));
  });

  it('exits 2 when the CPUs do not rendezvous (async EBUSY)', async () => {
    const run = await host();
    await run('upload', 'a', payloadA);
    await addSimFault(box.statePath, { kind: 'rendezvous-busy', name: 'a' }, box.env());
    expect(await run('apply', 'a')).toEqual(result('Applying a... failed\n', 'Error 16: Device or resource busy\n', 2));
    expect((await run('list')).out).toContain('a                                       | CHECKED (16, Device or resource busy)    | \n');
  });

  it("says Operation didn't complete, then Operation already in progress, while an action is in flight", async () => {
    const run = await host();
    await run('upload', 'a', payloadA);
    await run('upload', 'b', payloadB);
    await addSimFault(box.statePath, { kind: 'incomplete', durationMs: 60_000 }, box.env());
    expect(await run('apply', 'a')).toEqual(result('Applying a... failed\n', "Operation didn't complete.\n", 2));
    expect(await run('revert', 'a')).toEqual(result('', 'Cannot execute revert.\nOperation already in progress.\n', 2));
    expect(await run('apply', 'b')).toEqual(result('Applying b... failed\n', 'Error 16: Device or resource busy\n', 2));
    expect((await run('list')).out).toBe(
      `${HEADER_G3}a                                       | CHECKED (11, Resource temporarily unavailable)    | \n` +
        'b                                       | CHECKED (11, Resource temporarily unavailable)    | \n',
    );
  });

  it('exits with the errno of a vetoing pre-apply hook', async () => {
    const run = await host();
    await run('upload', 'a', payloadA);
    await addSimFault(box.statePath, { kind: 'hook-veto', errno: 1 }, box.env());
    expect(await run('apply', 'a')).toEqual(result('Applying a... failed\n', 'Error 1: Operation not permitted\n', 1));
  });

  it('reports Xen without livepatch support as ENOSYS', async () => {
    const run = await host();
    await addSimFault(box.statePath, { kind: 'no-livepatch', persistent: true }, box.env());
    expect(await run('list')).toEqual(result('', 'Failed to get list sizes.\nError 38: Function not implemented\n', 1));
    expect(await run('apply', 'a')).toEqual(result('', 'Failed to get status of a.\nError 38: Function not implemented\n', 1));
    expect(await run('upload', 'a', payloadA)).toEqual(result(`Uploading ${payloadA}... failed\n`, 'Error 38: Function not implemented\n', 1));
  });
});

describe('load (§4)', () => {
  it('names the payload after the file without its last extension', () => {
    expect(loadName('out/xsa.livepatch')).toBe('xsa');
    expect(loadName('a.b.livepatch')).toBe('a.b');
    expect(loadName('noext')).toBe('noext');
    expect(loadName('/dir/x.livepatch/')).toBe('x');
    expect(loadName('.livepatch')).toBe('');
    expect(loadName('')).toBe('');
    expect(loadName('/')).toBe('/');
  });

  it('uploads then applies; on an apply failure unloads, appending its output, with the exit code of apply', async () => {
    const run = await host();
    const file = join(box.dir, 'stack.livepatch');
    await withOwnBuildId(stackedOnA, 1, file);
    expect(await run('load', file)).toEqual(
      result(`Uploading ${file}... completed\nApplying stack... failed\nUnloading stack... completed\n`, 'Error 22: Invalid argument\n', 1),
    );
    expect(await run('load', file, '--nodeps')).toEqual(result(`Uploading ${file}... completed\nApplying stack... completed\n`, '', 0));
  });

  it('uploads before it sees an unsupported flag, then unloads', async () => {
    const run = await host();
    const file = join(box.dir, 'xsa.livepatch');
    await withOwnBuildId(payloadA, 2, file);
    expect(await run('load', file, '--bogus')).toEqual(
      result(`Uploading ${file}... completed\nUnloading xsa... completed\n`, 'Unsupported flag: --bogus.\n', 1),
    );
    expect((await readSimState(box.statePath, box.env())).payloads).toEqual([]);
  });

  it('leaves the payload loaded when the apply does not complete', async () => {
    const run = await host();
    const file = join(box.dir, 'slow.livepatch');
    await withOwnBuildId(payloadA, 3, file);
    await addSimFault(box.statePath, { kind: 'incomplete', durationMs: 60_000 }, box.env());
    expect(await run('load', file)).toEqual(
      result(
        `Uploading ${file}... completed\nApplying slow... failed\n`,
        "Operation didn't complete.\nCannot execute unload.\nOperation already in progress.\n",
        2,
      ),
    );
    expect((await readSimState(box.statePath, box.env())).payloads.map((p) => p.name)).toEqual(['slow']);
  });

  it('stops after a failed upload', async () => {
    const run = await host();
    expect(await run('load', join(box.dir, 'none.livepatch'))).toEqual(
      result('', `Could not open ${join(box.dir, 'none.livepatch')}.\nError 2: No such file or directory\n`, 1),
    );
  });
});

describe('list (§4)', () => {
  it('prints names padded to 40 bytes but never truncated, rc in parentheses, and ;-joined metadata', async () => {
    const run = await host();
    const longName = `a-very-long-payload-name-of-more-than-forty-bytes`;
    await run('upload', longName, payloadA);
    await run('upload', 'meta', withMeta);
    await run('upload', 'é', payloadB);
    await run('apply', 'meta');
    expect(await run('list')).toEqual(
      result(
        HEADER_G3 +
          `${longName}| CHECKED    | \n` +
          'meta                                    | APPLIED    | XSA=466;VENDOR=acme\n' +
          'é                                      | CHECKED    | \n',
        '',
        0,
      ),
    );
  });

  it('before 4.14 prints two columns, no metadata, and a bare header when empty', async () => {
    const run = await host('4.13.5');
    expect(await run('list')).toEqual(result(HEADER_G2, '', 0));
    await run('upload', 'meta', withMetaV1);
    expect(await run('list')).toEqual(result(`${HEADER_G2}meta                                    | CHECKED\n`, '', 0));
    await addSimFault(box.statePath, { kind: 'sync-errno', errno: 13, action: 'list' }, box.env());
    expect(await run('list')).toEqual(result('', 'Failed to list 0/0.\nError 13: Permission denied\n', 1));
  });
});
