/**
 * Outputs of xen-livepatch as each generation prints them, written from the tool's format strings
 * (tools/misc/xen-livepatch.c at 4.7, 4.9 and 4.14+) and checked against a real Xen 4.17 session.
 * G1 = Xen 4.7-4.8, G2+ = 4.9 and later.
 */
import type { ToolOutput } from '../../src/model/types.js';
import type { Action } from '../../src/model/vocabulary.js';
import { errnoInfo } from '../../src/model/errno.js';

export const out = (stdout: string, stderr = '', exitCode = 0): ToolOutput => ({ stdout, stderr, exitCode });

/** 4.9+ exit status for a handler's errno: EAGAIN and EBUSY mean "retry" (2), anything else 1. */
const exitFor = (errno: number): number => (errno === 11 || errno === 16 ? 2 : 1);
const errorLine = (errno: number): string => `Error ${errno}: ${errnoInfo(errno).message}\n`;
const g1Errno = (errno: number): string => `${errno}(${errnoInfo(errno).message})`;

export const VERBS: Record<Action, string> = {
  apply: 'Applying',
  revert: 'Reverting',
  unload: 'Unloading',
  replace: 'Replacing all live patches with',
};

export const G2 = {
  uploaded: (file: string) => out(`Uploading ${file}... completed\n`),
  uploadFailed: (file: string, errno: number) => out(`Uploading ${file}... failed\n`, errorLine(errno), exitFor(errno)),
  fileFailed: (step: 'open' | 'get size of' | 'map', file: string, errno: number) =>
    out('', `Could not ${step} ${file}.\n${errorLine(errno)}`, exitFor(errno)),
  done: (action: Action, name: string) => out(`${VERBS[action]} ${name}... completed\n`),
  noActionNeeded: () => out('No action needed.\n'),
  /** Step 6 (the hypercall) or step 7 (the async rc) failed with an errno. */
  actionFailed: (action: Action, name: string, errno: number) => out(`${VERBS[action]} ${name}... failed\n`, errorLine(errno), exitFor(errno)),
  statusFailed: (name: string, errno: number) => out('', `Failed to get status of ${name}.\n${errorLine(errno)}`, exitFor(errno)),
  inProgress: (action: Action) => out('', `Cannot execute ${action}.\nOperation already in progress.\n`, 2),
  incomplete: (action: Action, name: string) => out(`${VERBS[action]} ${name}... failed\n`, "Operation didn't complete.\n", 2),
  wrongStateBefore: (name: string, current: string, allowed: string) =>
    out('', `${name} is in the wrong state.\nCurrent state: ${current}\nExpected state: ${allowed}\n`, 1),
  wrongStateAfter: (action: Action, name: string, current: string, expected: string) =>
    out(`${VERBS[action]} ${name}... failed\n`, `${name} is in the wrong state.\nCurrent state: ${current}\nExpected state: ${expected}\n`, 1),
  listSizesFailed: (errno: number) => out('', `Failed to get list sizes.\n${errorLine(errno)}`, exitFor(errno)),
  listFailed: (left: number, nr: number, errno: number) => out('', `Failed to list ${left}/${nr}.\n${errorLine(errno)}`, exitFor(errno)),
  unsupportedFlag: (flag: string) => out('', `Unsupported flag: ${flag}.\n`, 1),
  nameTooLong: () => out('', 'ID must be no more than 128 characters.\n', 1),
  unrecognisedCommand: (word: string) => out('', `Unrecognised command '${word}' -- try 'xen-livepatch help'\n`, 1),
};

/** libxc's line, then the tool's; exit status 0 in every version. */
export const noHandle = (message = 'No such file or directory'): ToolOutput =>
  out('', `xencall: error: Could not obtain handle on privileged command interface: ${message}\nfailed to get the handler\n`, 0);

/** 4.9-4.13's help, printed on stderr for bad usage (e.g. a flag those versions do not know). */
export const G2_HELP = out(
  '',
  'xen-livepatch: live patching tool\n' +
    'Usage: xen-livepatch <command> [args]\n' +
    ' <name> An unique name of payload. Up to 128 characters.\n' +
    'Commands:\n' +
    '  help                   display this help\n' +
    '  upload <name> <file>   upload file <file> with <name> name\n' +
    '  list                   list payloads uploaded.\n' +
    '  apply <name>           apply <name> patch.\n' +
    '  revert <name>          revert name <name> patch.\n' +
    '  replace <name>         apply <name> patch and revert all others.\n' +
    '  unload <name>          unload name <name> patch.\n' +
    '  load  <file>           upload and apply <file>.\n' +
    '                         name is the <file> name\n',
  1,
);

export const G1 = {
  uploaded: (file: string, bytes: number) => out(`Uploading ${file} (${bytes} bytes)\n`),
  uploadFailed: (file: string, bytes: number, errno: number) =>
    out(`Uploading ${file} (${bytes} bytes)\n`, `Upload failed: ${file}, error: ${g1Errno(errno)}!\n`, 1),
  openFailed: (file: string, errno: number) => out('', `Could not open ${file}, error: ${g1Errno(errno)}\n`, 1),
  sizeFailed: (file: string, errno: number) => out('', `Could not get right size ${file}, error: ${g1Errno(errno)}\n`, 1),
  mapFailed: (file: string, errno: number) => out('', `Could not map: ${file}, error: ${g1Errno(errno)}\n`, 1),
  done: (action: Action, polls = 1) => out(`Performing ${action}:${'.'.repeat(polls)} completed\n`),
  noActionNeeded: () => out('No action needed\n'),
  actionFailed: (action: Action, name: string, errno: number) => out(`Performing ${action}:`, `${name} failed with ${g1Errno(errno)}\n`, 1),
  statusFailed: (name: string, errno: number) => out('', `${name} failed to get status ${g1Errno(errno)}!\n`, 1),
  inProgress: (name: string) => out('', `${name} failed. Operation already in progress\n`, 1),
  timedOut: (action: Action, name: string) =>
    out(`Performing ${action}:${'.'.repeat(300)}`, `${name}: Operation didn't complete after 30 seconds.\n`, 1),
  /** Printed on stdout, with the state the action would have reached ("unknown" for unload). */
  wrongState: (name: string, current: string, expected: string) => out(`${name}: in wrong state (${current}), expected (${expected})\n`, '', 1),
  listFailed: (idx: number, left: number, errno: number) => out('', `Failed to list ${idx}/${left}: ${g1Errno(errno)}!\n`, 1),
  nameTooLong: () => out('', 'ID MUST be 128 characters!\n', 1),
};
