/**
 * Each ssh runner gets its own private directory (0700, under xlp's runtime dir, never /tmp) for the
 * ControlMaster socket, so no other user can reach, replace or pre-create the socket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, XlpError } from '../../errors.js';
import { ensurePrivateDir } from '../../util/private-dir.js';
import { RUN_ID } from '../../util/run-id.js';

/** sun_path is 108 bytes on Linux, 104 on the BSDs; ssh also appends a temporary suffix while binding. */
const MAX_SOCKET_PATH = 80;

export interface ControlDir {
  readonly socketPath: string;
  remove(): Promise<void>;
}

export async function createControlDir(baseDir: string): Promise<ControlDir> {
  const parent = await ensurePrivateDir(baseDir);
  const dir = await mkdtemp(join(parent, `ssh-${RUN_ID}-`));
  const socketPath = join(dir, 'cm');
  // ssh splits option values on whitespace and expands %-tokens in ControlPath: keep it plain and short.
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH || !/^[A-Za-z0-9/._+-]+$/.test(socketPath)) {
    await rm(dir, { recursive: true, force: true });
    throw new XlpError('runtime-dir-unusable', ExitCode.FAILED, `cannot use ${socketPath} as the ssh control socket: too long or unusual characters`, {
      hint: 'point XLP_RUNTIME_DIR at a short directory whose path has only letters, digits and . _ + - /',
    });
  }
  return { socketPath, remove: () => rm(dir, { recursive: true, force: true }) };
}
