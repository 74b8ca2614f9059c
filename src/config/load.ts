/**
 * Reads the config files every command starts from: /etc/xlp/config.json (system), then the user's
 * (XLP_CONFIG_DIR, else $XDG_CONFIG_HOME/xlp). A file that does not exist gives nothing; one that
 * exists must be a regular file only root or the user running xlp can change, valid JSON and valid
 * against docs/schema/config.schema.json, or the run stops before anything is done (exit 2): a
 * config that may require signatures is a trust anchor, and one that cannot be read must not
 * silently drop a requirement.
 *
 * /etc/xlp is fixed: nothing in the environment moves it, so nothing can weaken the system's policy.
 * Tests give xlp a system config in a private mount namespace (test/helpers/system-config.ts).
 */
import { join } from 'node:path';
import { configDirs } from '../paths.js';
import { readTrustedFile, UntrustedFile } from '../util/trusted-file.js';
import { configFileRefused } from './problem.js';
import type { ConfigFile } from './resolve.js';

export const CONFIG_FILE = 'config.json';
const MAX_CONFIG_BYTES = 256 * 1024;

/** The config files that exist, system first, each checked; `dirs` is [system, user] (src/paths.ts). */
export async function loadConfigFiles(dirs: readonly [string, string] = configDirs()): Promise<ConfigFile[]> {
  const [system, user] = await Promise.all([readConfigFile(join(dirs[0], CONFIG_FILE), 'system'), readConfigFile(join(dirs[1], CONFIG_FILE), 'user')]);
  return [system, user].filter((file): file is ConfigFile => file !== undefined);
}

async function readConfigFile(path: string, scope: ConfigFile['scope']): Promise<ConfigFile | undefined> {
  const bytes = await readTrustedFile(path, { maxBytes: MAX_CONFIG_BYTES, missingOk: true }).catch((error: unknown) => {
    throw error instanceof UntrustedFile ? configFileRefused(path, error.fault, error.fix) : error;
  });
  if (bytes === undefined) return undefined;
  // Loaded only when there is a file to read: `xlp list` on a host without config pays nothing for them.
  const [{ parseConfigText }, { checkConfig }] = await Promise.all([import('./parse.js'), import('./check.js')]);
  return { path, scope, values: checkConfig(path, parseConfigText(path, bytes)) };
}
