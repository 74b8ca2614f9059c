import { hostname, userInfo } from 'node:os';
import type { Actor } from './record.js';

/** Who is running this xlp: the account, the sudo caller, this machine, this process. */
export function currentActor(xlpVersion: string, env: NodeJS.ProcessEnv = process.env): Actor {
  const uid = process.getuid?.() ?? -1;
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A uid without a passwd entry (containers): the number is still the truth.
    user = `uid ${uid}`;
  }
  const sudoUser = env.SUDO_USER !== undefined && env.SUDO_USER !== '' ? env.SUDO_USER : undefined;
  return { controller: hostname(), user, uid, ...(sudoUser === undefined ? {} : { sudoUser }), pid: process.pid, xlp: xlpVersion };
}

/** "alice (via sudo as root)" or "root". */
export const describeActor = (actor: { user: string; sudoUser?: string }): string => (actor.sudoUser === undefined ? actor.user : `${actor.sudoUser} (sudo as ${actor.user})`);
