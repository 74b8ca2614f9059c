/**
 * readPayloadFile on real files: payloads (directly and through a symlink) are read once and
 * parsed; everything that is not a regular payload file is refused with its own message and the
 * documented exit code, without hanging (FIFOs) or opening devices.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ExitCode, XlpError } from '../../src/errors.js';
import { readPayloadFile } from '../../src/payload/read-file.js';
import { buildPayload, fixtureDir, writeFixture } from '../helpers/payloads.js';

const MiB2 = 2 * 1024 * 1024;

let dir: string;
let payload: string;
let payloadBytes: Uint8Array;
let server: Server | undefined;

beforeAll(async () => {
  payload = await buildPayload();
  payloadBytes = new Uint8Array(await readFile(payload));
  dir = join(await fixtureDir(), 'read-file');
  await mkdir(dir, { mode: 0o700 });
});

afterAll(() => {
  server?.close();
});

async function refusal(path: string): Promise<XlpError> {
  const error = await readPayloadFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XlpError);
  const xlp = error as XlpError;
  expect(xlp.message).toMatch(/^[^\n]+$/);
  expect(xlp.hint).toBeTruthy();
  return xlp;
}

const usage = { code: 'usage', exitCode: ExitCode.USAGE };
const invalid = { code: 'invalid-payload', exitCode: ExitCode.INVALID_PAYLOAD };

describe('readPayloadFile accepts', () => {
  it('a payload file: the bytes on disk and their model', async () => {
    const { bytes, info } = await readPayloadFile(payload);
    expect(bytes).toEqual(payloadBytes);
    expect(info.size).toBe(payloadBytes.length);
    expect(info.sha256).toBe(createHash('sha256').update(payloadBytes).digest('hex'));
    expect(info.problems).toEqual([]);
  });

  it('a symlink to a payload file (livepatch.livepatch style)', async () => {
    const link = join(dir, 'livepatch.livepatch');
    await symlink(payload, link);
    const { bytes, info } = await readPayloadFile(link);
    expect(bytes).toEqual(payloadBytes);
    expect(info.buildId).toBe((await readPayloadFile(payload)).info.buildId);
  });

  it('a payload of exactly 2 MiB', async () => {
    const padded = new Uint8Array(MiB2);
    padded.set(payloadBytes);
    const { info } = await readPayloadFile(await writeFixture('exactly-2mib.livepatch', padded));
    expect(info.size).toBe(MiB2);
    expect(info.problems).toEqual([]);
  });
});

describe('readPayloadFile refuses', () => {
  it('a missing file (usage)', async () => {
    const path = join(dir, 'nope.livepatch');
    expect(await refusal(path)).toMatchObject({ ...usage, message: `payload file ${path} does not exist` });
  });

  it('a missing file whose name holds a newline, on one line (usage)', async () => {
    const path = join(dir, 'evil\nname');
    expect(await refusal(path)).toMatchObject({ ...usage, message: `payload file ${join(dir, 'evil\\x0aname')} does not exist` });
  });

  it('an empty path (usage)', async () => {
    expect(await refusal('')).toMatchObject({ ...usage, message: 'no payload file given (the path is empty)' });
  });

  it('a path through a regular file (usage)', async () => {
    const path = join(payload, 'x');
    expect(await refusal(path)).toMatchObject({ ...usage, message: `payload file ${path} does not exist (a part of its path is not a directory)` });
  });

  it('a dangling symlink (usage)', async () => {
    const link = join(dir, 'dangling.livepatch');
    await symlink(join(dir, 'gone.livepatch'), link);
    expect(await refusal(link)).toMatchObject({ ...usage, message: `payload file ${link} is a dangling symbolic link to ${join(dir, 'gone.livepatch')}` });
  });

  it('a symlink loop (usage)', async () => {
    const a = join(dir, 'loop-a');
    await symlink(join(dir, 'loop-b'), a);
    await symlink(a, join(dir, 'loop-b'));
    expect(await refusal(a)).toMatchObject({ ...usage, message: `payload file ${a} is a loop of symbolic links` });
  });

  it('a directory (usage)', async () => {
    expect(await refusal(dir)).toMatchObject({ ...usage, message: `payload file ${dir} is a directory, not a regular file` });
  });

  it('a FIFO, without hanging (usage)', async () => {
    const fifo = join(dir, 'pipe.livepatch');
    await execa('mkfifo', ['-m', '600', fifo]);
    expect(await refusal(fifo)).toMatchObject({ ...usage, message: `payload file ${fifo} is a FIFO (named pipe), not a regular file` });
  });

  it('a symlink to a FIFO (usage)', async () => {
    const fifo = join(dir, 'pipe2');
    await execa('mkfifo', ['-m', '600', fifo]);
    const link = join(dir, 'pipe-link.livepatch');
    await symlink(fifo, link);
    expect(await refusal(link)).toMatchObject({ ...usage, message: `payload file ${link} is a FIFO (named pipe), not a regular file` });
  });

  it('a character device (usage)', async () => {
    expect(await refusal('/dev/null')).toMatchObject({ ...usage, message: 'payload file /dev/null is a character device, not a regular file' });
  });

  it('a socket (usage)', async () => {
    const path = join(dir, 'sock');
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    expect(await refusal(path)).toMatchObject({ ...usage, message: `payload file ${path} is a socket, not a regular file` });
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file (usage; root reads anything)', async () => {
    const path = join(dir, 'secret.livepatch');
    await writeFile(path, payloadBytes, { mode: 0o000 });
    expect(await refusal(path)).toMatchObject({ ...usage, message: `payload file ${path} is not readable: permission denied` });
  });

  it('an empty file (invalid payload)', async () => {
    const path = await writeFixture('empty.livepatch', new Uint8Array());
    expect(await refusal(path)).toMatchObject({ ...invalid, message: `payload file ${path} is empty` });
  });

  it('a file of 2 MiB + 1 byte, before reading it (invalid payload)', async () => {
    const path = await writeFixture('too-big.livepatch', new Uint8Array(MiB2 + 1));
    expect(await refusal(path)).toMatchObject({
      ...invalid,
      message: `payload file ${path} is 2097153 bytes; Xen accepts at most 2097152 (2 MiB)`,
    });
  });

  it('a file that is not ELF (invalid payload)', async () => {
    const path = await writeFixture('notes.txt', Buffer.from('hello, world\n'));
    expect(await refusal(path)).toMatchObject({
      ...invalid,
      errno: 22,
      message: `payload file ${path}: not an ELF file: it starts with bytes 68 65 6c 6c, not 7f 45 4c 46`,
    });
  });

  it('a truncated payload (invalid payload)', async () => {
    const path = await writeFixture('cut.livepatch', payloadBytes.subarray(0, 1000));
    const error = await refusal(path);
    expect(error).toMatchObject(invalid);
    expect(error.message).toMatch(new RegExp(`^payload file ${path}: the section header table .* past the end of the 1000-byte file$`));
  });
});
