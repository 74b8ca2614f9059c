import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { createLocalRunner } from '../../src/host/local-runner.js';
import { createXenLivepatchBackend } from '../../src/host/xen-livepatch/backend.js';
import { caught } from '../helpers/caught.js';

let runner: ReturnType<typeof createLocalRunner>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xlp-runner-'));
  runner = createLocalRunner(join(dir, 'runtime'), join(dir, 'kept'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});


describe('createLocalRunner().run', () => {
  it('keeps stdout and stderr byte for byte, final newlines included', async () => {
    const result = await runner.run('sh', ['-c', 'printf "Applying xsa... completed\\n\\n"; printf "Error 22: Invalid argument\\n" >&2; exit 2']);
    expect(result).toEqual({ stdout: 'Applying xsa... completed\n\n', stderr: 'Error 22: Invalid argument\n', exitCode: 2 });
    expect(await runner.run('printf', ['Uploading x... '])).toEqual({ stdout: 'Uploading x... ', stderr: '', exitCode: 0 });
  });

  it('passes each argument as one word, with no shell in between', async () => {
    const words = ['a b', '$(id)', ';', '*', "it's", '"q"', '--nodeps', ''];
    const result = await runner.run('printf', ['%s\\n', ...words]);
    expect(result.stdout).toBe(words.map((w) => `${w}\n`).join(''));
  });

  it('gives the program no standard input', async () => {
    expect((await runner.run('cat', [])).stdout).toBe('');
  });

  it('reports a program killed by a signal as a failure (128 + signal number)', async () => {
    const result = await runner.run('sh', ['-c', 'printf partial; kill -9 $$']);
    expect(result).toEqual({ stdout: 'partial', stderr: '', exitCode: 137 });
  });

  it('stops a program that outlives the timeout, with an error rather than a result', async () => {
    const error = await caught(runner.run('sleep', ['30'], { timeoutMs: 200 }));
    expect([error.code, error.exitCode]).toEqual(['tool-timeout', ExitCode.FAILED]);
    expect(error.message).toBe('sleep did not finish within 200 ms and was stopped');
  });

  it('refuses an argument that cannot be passed to exec', async () => {
    const error = await caught(runner.run('printf', ['a\0b']));
    expect([error.code, error.exitCode]).toEqual(['usage', ExitCode.USAGE]);
  });
});

describe('a program that cannot be started is tool-missing', () => {
  it('when it does not exist, naming the path and what to do', async () => {
    const path = join(dir, 'xen-livepatch');
    const error = await caught(runner.run(path, ['list']));
    expect([error.code, error.exitCode]).toEqual(['tool-missing', ExitCode.HOST_UNSUPPORTED]);
    expect(error.message).toBe(`cannot run ${path}: not found`);
    // A runner knows nothing of Xen: the hint is the generic one.
    expect(error.hint).toBe('install xen-livepatch or give its full path');
  });

  it('when a bare name is not on PATH', async () => {
    const error = await caught(runner.run('xl-does-not-exist', ['info']));
    expect(error.message).toBe('cannot run xl-does-not-exist: not found');
    expect(error.hint).toBe('install xl-does-not-exist or give its full path');
  });

  it('and the xen-livepatch backend says where the Xen tools come from', async () => {
    const backend = createXenLivepatchBackend(runner, { xenLivepatch: join(dir, 'xen-livepatch'), xl: join(dir, 'xl') });
    const tool = await caught(backend.list());
    expect([tool.code, tool.exitCode]).toEqual(['tool-missing', ExitCode.HOST_UNSUPPORTED]);
    expect(tool.hint).toBe('install xen-utils (Debian: xen-utils-<version>), or pass --xen-livepatch PATH / set XLP_XEN_LIVEPATCH');
    expect((await caught(backend.hypervisorBuildId())).hint).toMatch(/pass --xl PATH \/ set XLP_XL$/);
  });

  it('when it is not executable', async () => {
    const path = join(dir, 'not-executable');
    await writeFile(path, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const error = await caught(runner.run(path, []));
    expect([error.code, error.message]).toEqual(['tool-missing', `cannot run ${path}: is not executable`]);
  });

  it('when it is a directory', async () => {
    const error = await caught(runner.run(dir, []));
    expect([error.code, error.message]).toEqual(['tool-missing', `cannot run ${dir}: is a directory`]);
  });
});

describe('the rest of the Runner', () => {
  it('targets localhost, stages private copies and closes as a no-op', async () => {
    expect(runner.target).toBe('localhost');
    const staged = await runner.stage(new Uint8Array([1, 2, 3]), 'xsa.livepatch');
    expect(staged.path.startsWith(`${join(dir, 'runtime')}/`)).toBe(true);
    expect(staged.path.endsWith('/xsa.livepatch')).toBe(true);
    expect([...(await readFile(staged.path))]).toEqual([1, 2, 3]);
    expect((await stat(staged.path)).mode & 0o777).toBe(0o600);
    await staged.remove();
    await expect(stat(staged.path)).rejects.toThrow();
    await runner.close();
    await runner.close();
  });

  it('runs a freshly made executable', async () => {
    const path = join(dir, 'tool');
    await writeFile(path, '#!/bin/sh\nprintf "%s|" "$@"\n');
    await chmod(path, 0o755);
    expect((await runner.run(path, ['x', 'y z'])).stdout).toBe('x|y z|');
  });
});
