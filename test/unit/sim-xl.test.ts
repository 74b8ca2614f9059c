/** The fake xl: info, dmesg, debug-keys, and xl's refusals (xl_info.c, xl_cmdtable.c, xl.c). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSimFault } from '../../src/host/sim/admin.js';
import { runFakeXenLivepatch } from '../../src/host/sim/fake-xen-livepatch.js';
import { runFakeXl } from '../../src/host/sim/fake-xl.js';
import { buildPayload } from '../helpers/payloads.js';
import { buildIdOf, simSandbox, type SimSandbox } from '../helpers/sim-host.js';

let box: SimSandbox;
beforeEach(async () => {
  box = await simSandbox('4.19.0', 'C0FFEE'.repeat(4));
});
afterEach(() => box.remove());

const xl = (...argv: string[]) => runFakeXl(argv, box.env());
const livepatch = (...argv: string[]) => runFakeXenLivepatch(argv, box.env());

describe('xl info', () => {
  it('prints one "label<pad to 23>: value" line each, with the version and the build-id lowercase', async () => {
    const { stdout, stderr, exitCode } = await xl('info');
    expect([stderr, exitCode]).toEqual(['', 0]);
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(line).toMatch(/^[a-z_]{1,22} *: /);
    expect(lines.every((line) => line.indexOf(': ') === 23)).toBe(true);
    expect(lines).toContain('xen_major              : 4');
    expect(lines).toContain('xen_minor              : 19');
    expect(lines).toContain('xen_extra              : .0');
    expect(lines).toContain('xen_version            : 4.19.0');
    expect(lines).toContain(`build_id               : ${'c0ffee'.repeat(4)}`);
    const order = ['xen_major', 'xen_minor', 'xen_extra', 'xen_version', 'xen_changeset', 'build_id'].map((l) => lines.findIndex((x) => x.startsWith(`${l} `)));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('prints an empty build_id for a Xen built without one', async () => {
    await box.remove();
    box = await simSandbox('4.17.7', 'none');
    expect((await xl('info')).stdout).toContain('\nbuild_id               : \n');
    expect(await livepatch('upload', 'a', await buildPayload({ id: 'xlnone' }))).toMatchObject({ stderr: 'Error 61: No data available\n', exitCode: 1 });
  });
});

describe('xl dmesg and debug-keys', () => {
  it("shows the console lines, and key 'x' adds the payload dump with build-ids", async () => {
    const file = await buildPayload({ id: 'xldump', xenBuildId: 'c0ffee'.repeat(4) });
    await livepatch('load', file);
    const name = file.split('/').pop()!.replace(/\.livepatch$/, '');
    const before = (await xl('dmesg')).stdout;
    expect(before).toBe(
      `(XEN) livepatch: ${name}: Verifying enabled expectations for all functions\n` +
        `(XEN) livepatch: ${name}: Applying 1 functions\n` +
        `(XEN) livepatch: ${name} finished APPLY with rc=0\n`,
    );
    expect(await xl('debug-keys', 'x')).toMatchObject({ stdout: '', stderr: '', exitCode: 0 });
    const dump = (await xl('dmesg')).stdout.slice(before.length).split('\n');
    expect(dump.slice(0, 2)).toEqual(["(XEN) 'x' pressed - Dumping all livepatch patches", `(XEN) build-id: ${'c0ffee'.repeat(4)}`]);
    expect(dump[2]).toMatch(new RegExp(`^\\(XEN\\)  name=${name} state=APPLIED\\(2\\) `));
    expect(dump).toContain(`(XEN) build-id=${await buildIdOf(file)}`);
    expect(dump).toContain(`(XEN) depend-on=${'c0ffee'.repeat(4)}`);
  });

  it('clears the ring with dmesg -c after printing it; other keys do nothing', async () => {
    await xl('debug-keys', 'hx');
    expect((await xl('dmesg', '-c')).stdout).toBe(`(XEN) 'x' pressed - Dumping all livepatch patches\n(XEN) build-id: ${'c0ffee'.repeat(4)}\n`);
    expect((await xl('dmesg')).stdout).toBe('');
  });
});

describe('xl refusals', () => {
  it('prints the usage on stdout and exits 1 without a subcommand', async () => {
    const { stdout, exitCode } = await xl();
    expect(stdout.startsWith('Usage xl [-vfNtT] <subcommand> [args]\n\nxl full list of subcommands:\n\n')).toBe(true);
    expect(stdout).toContain(' info                Get information about Xen host\n');
    expect(exitCode).toBe(1);
  });

  it('answers an unknown subcommand with "command not implemented", exit 1', async () => {
    expect(await xl('list')).toMatchObject({ stdout: '', stderr: 'command not implemented\n', exitCode: 1 });
  });

  it('wants an argument for debug-keys (exit 2) and refuses unknown options', async () => {
    expect(await xl('debug-keys')).toMatchObject({
      stdout: 'Usage: xl [-vf] debug-keys <Keys>\n\nSend debug keys to Xen.\n\n',
      stderr: "'xl debug-keys' requires at least 1 argument.\n\n",
      exitCode: 2,
    });
    expect(await xl('dmesg', '-z')).toMatchObject({ stderr: "xl: invalid option -- 'z'\n", exitCode: 2 });
    expect(await xl('info', '--numa')).toMatchObject({ exitCode: 0 });
  });

  it('is not affected by a no-handle fault, which belongs to xen-livepatch', async () => {
    await addSimFault(box.statePath, { kind: 'no-handle' }, box.env());
    expect(await xl('info')).toMatchObject({ exitCode: 0, stderr: '' });
  });
});
