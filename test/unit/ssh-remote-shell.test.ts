import fc from 'fast-check';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { quoteForPosixShell, remoteCommandLine } from '../../src/host/ssh/remote-shell.js';

/** What a real POSIX shell makes of a command line: each argument NUL-terminated by printf. */
async function shellWords(commandLine: string): Promise<string[]> {
  const { stdout } = await execa('sh', ['-c', commandLine], { stripFinalNewline: false });
  return stdout.split('\0').slice(0, -1);
}

describe('quoting for the remote POSIX shell', () => {
  it('every string survives the shell unchanged (property, checked by sh and dash)', async () => {
    const words = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }).filter((word) => !word.includes('\0')), 300);
    words.push("'", "''", '\\', '$', '`', '\n', '"\'"', "'$(id)'");
    const commandLine = ['printf', '%s\\0', ...words].map(quoteForPosixShell).join(' ');
    expect(await shellWords(commandLine)).toEqual(words);
  });

  it('prefixes LC_ALL=C as an assignment, not an argument', async () => {
    const line = remoteCommandLine('sh', ['-c', 'printf "%s\\0" "$LC_ALL" "$0"', 'zero']);
    expect(await shellWords(line)).toEqual(['C', 'zero']);
  });

  it('refuses a NUL byte, which no argv can carry', () => {
    expect(() => quoteForPosixShell('a\0b')).toThrow(TypeError);
  });
});
