/**
 * Files xlp keeps on a host (src/host/runner.ts keepFile): the names it accepts, and their local
 * implementation, shared by the local runner and the simulator (whose host is this machine too).
 */
import { join } from 'node:path';
import { ExitCode, XlpError, usageError } from '../errors.js';
import { UnusableFile, readPrivateFile, writePrivateFile } from '../util/private-file.js';

/** One or two plain names: `payloads/<sha256>`, `desired/<build-id>.json`. */
const KEPT_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127})?$/;

export function checkKeptName(name: string): string {
  if (!KEPT_NAME.test(name)) throw usageError(`invalid name for a file kept on the host: ${JSON.stringify(name)}`);
  return name;
}

export const keptUnusable = (where: string, why: string): XlpError =>
  new XlpError('kept-file-unusable', ExitCode.FAILED, `cannot use ${where}: ${why}`, {
    hint: 'xlp keeps these files itself (0600, owned by root): remove the file and run the sync again',
  });

/** keepFile and readKeptFile for a host that is this machine, rooted at `root`. */
export function localKeptFiles(root: string) {
  const split = (name: string): { dir: string; base: string } => {
    const parts = checkKeptName(name).split('/');
    const base = parts.pop() as string;
    return { dir: join(root, ...parts), base };
  };
  return {
    async keepFile(name: string, bytes: Uint8Array): Promise<void> {
      const { dir, base } = split(name);
      await writePrivateFile(dir, base, bytes);
    },
    async readKeptFile(name: string, maxBytes: number): Promise<Uint8Array | undefined> {
      const { dir, base } = split(name);
      const path = join(dir, base);
      return readPrivateFile(path, maxBytes).catch((error: unknown) => {
        throw error instanceof UnusableFile ? keptUnusable(path, error.message) : error;
      });
    },
  };
}
