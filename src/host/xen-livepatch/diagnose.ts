/**
 * Finds the failure in what xen-livepatch (or xl) printed, for every generation of the tool:
 * 4.7-4.8 ("G1": `<name> failed with 22(Invalid argument)` and friends), 4.9+ (`Error 22: Invalid
 * argument`, after a context line for status, file and list errors). The first failure printed
 * wins, so for `load` the apply error is reported, not the unload that the tool runs after it.
 */
import type { ToolOutput } from '../../model/types.js';
import { errnoByMessage } from '../../model/errno.js';

export type FileStep = 'open' | 'size' | 'map';

export type ToolFailure =
  /** libxc could not open the hypervisor interface; the tool still exits 0. `errno` comes from libxc's own line. */
  | { readonly kind: 'no-handle'; readonly errno?: number; readonly line?: string }
  /** The program never ran (exit 126/127: missing shared library, or a remote shell's "not found"). */
  | { readonly kind: 'cannot-start'; readonly line: string }
  /** The tool refused its command line: unknown command or flag, over-long name, or its help text. */
  | { readonly kind: 'usage'; readonly line: string }
  /** `Operation already in progress.`: the payload has an action in flight. */
  | { readonly kind: 'in-progress' }
  /** `Operation didn't complete.`: the tool stopped waiting; the hypervisor may still finish. */
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'wrong-state'; readonly current: string; readonly expected: string }
  /** An errno, and the step that reported it: GET of the payload's status, the local file, list, or the operation itself. */
  | { readonly kind: 'errno'; readonly errno: number; readonly step: 'status' | 'file' | 'list' | 'operation'; readonly fileStep?: FileStep };

const ERROR_LINE = /^Error (\d+): /;

const FILE_STEPS: Record<string, FileStep> = {
  open: 'open',
  'get size of': 'size',
  'get right size': 'size',
  map: 'map',
  'map:': 'map',
};

/** Looks at line `i` (and the lines after it when the message spans several). */
type LineRule = (lines: readonly string[], i: number) => ToolFailure | 'skip-next' | undefined;

const errnoAfter = (next: string | undefined, step: 'status' | 'file' | 'list', fileStep?: FileStep): ToolFailure | undefined => {
  const match = ERROR_LINE.exec(next ?? '');
  return match === null ? undefined : { kind: 'errno', errno: Number(match[1]), step, ...(fileStep === undefined ? {} : { fileStep }) };
};

/** A rule for a one-line message: `pattern` matched against the line, `make` builds the failure. */
const oneLine =
  (pattern: RegExp, make: (match: RegExpExecArray, line: string) => ToolFailure): LineRule =>
  (lines, i) => {
    const line = lines[i] ?? '';
    const match = pattern.exec(line);
    return match === null ? undefined : make(match, line);
  };

/** One rule per message the tool prints on stderr, 4.9+ first, then 4.7-4.8's wordings. */
const RULES: readonly LineRule[] = [
  // 4.9+: a context line, then `Error N: msg` on the next line.
  (lines, i) => (/^Failed to get status of .*\.$/.test(lines[i] ?? '') ? errnoAfter(lines[i + 1], 'status') : undefined),
  (lines, i) => {
    const match = /^Could not (open|get size of|map) .*\.$/.exec(lines[i] ?? '');
    return match === null ? undefined : errnoAfter(lines[i + 1], 'file', FILE_STEPS[match[1] ?? '']);
  },
  // A failed munmap is reported but changes nothing: its Error line is not the result.
  (lines, i) => (/^Could not unmap .*\.$/.test(lines[i] ?? '') && ERROR_LINE.test(lines[i + 1] ?? '') ? 'skip-next' : undefined),
  (lines, i) => (/^Failed to (get list sizes|list -?\d+\/-?\d+)\.$/.test(lines[i] ?? '') ? errnoAfter(lines[i + 1], 'list') : undefined),
  oneLine(ERROR_LINE, (m) => ({ kind: 'errno', errno: Number(m[1]), step: 'operation' })),
  oneLine(/^Operation already in progress\.$|^.* failed\. Operation already in progress$/, () => ({ kind: 'in-progress' })),
  oneLine(/^Operation didn't complete\.$|^.*: Operation didn't complete after \d+ seconds\.$/, () => ({ kind: 'incomplete' })),
  (lines, i) => {
    if (!/^.* is in the wrong state\.$/.test(lines[i] ?? '')) return undefined;
    const current = /^Current state: (.*)$/.exec(lines[i + 1] ?? '')?.[1];
    const expected = /^Expected state: (.*)$/.exec(lines[i + 2] ?? '')?.[1];
    return current === undefined || expected === undefined ? undefined : { kind: 'wrong-state', current, expected };
  },
  oneLine(
    /^Unrecognised command '.*' -- try 'xen-livepatch help'$|^Unsupported flag: .*\.$|^ID must be no more than \d+ characters\.$|^ID MUST be \d+ characters!$|^xen-livepatch: live patching (test )?tool$/,
    (_m, line) => ({ kind: 'usage', line }),
  ),
  // 4.7-4.8: errno and message on one line.
  oneLine(/ failed to get status (\d+)\(.*\)!$/, (m) => ({ kind: 'errno', errno: Number(m[1]), step: 'status' })),
  oneLine(/^Could not (open|get right size|map:) .*, error: (\d+)\(.*\)$/, (m) => ({
    kind: 'errno',
    errno: Number(m[2]),
    step: 'file',
    fileStep: FILE_STEPS[m[1] ?? ''] ?? 'open',
  })),
  oneLine(/^Failed to list -?\d+\/-?\d+: (\d+)\(.*\)!$/, (m) => ({ kind: 'errno', errno: Number(m[1]), step: 'list' })),
  oneLine(/^Upload failed: .*, error: (\d+)\(.*\)!$| failed with (\d+)\(.*\)$/, (m) => ({
    kind: 'errno',
    errno: Number(m[1] ?? m[2]),
    step: 'operation',
  })),
];

/** libxc's complaint before "failed to get the handler" ends in strerror text: ENOENT = no Xen, EACCES = not root. */
function noHandle(lines: readonly string[]): ToolFailure {
  const line = lines.find((l) => l.startsWith('xencall:') || l.includes('privileged command interface'));
  const errno = line === undefined ? undefined : errnoByMessage(line.slice(line.lastIndexOf(': ') + 2))?.errno;
  return { kind: 'no-handle', ...(errno === undefined ? {} : { errno }), ...(line === undefined ? {} : { line }) };
}

/** The failure the output reports, or undefined when it reports none that xlp knows. */
export function findFailure(output: ToolOutput): ToolFailure | undefined {
  const lines = output.stderr.split('\n');
  if (output.exitCode === 126 || output.exitCode === 127) {
    return { kind: 'cannot-start', line: lines.find((l) => l !== '') ?? `exit status ${output.exitCode}` };
  }
  // `failed to get the handler` is xen-livepatch's, `cannot init xl context` is xl's.
  if (lines.some((l) => l === 'failed to get the handler' || l === 'cannot init xl context')) return noHandle(lines);
  for (let i = 0; i < lines.length; i++) {
    for (const rule of RULES) {
      const found = rule(lines, i);
      if (found === 'skip-next') {
        i++;
        break;
      }
      if (found !== undefined) return found;
    }
  }
  // G1 prints its pre-action wrong-state message on stdout, with the state it wanted to reach.
  const g1 = /^.*: in wrong state \((\S+)\), expected \((\S+)\)$/m.exec(output.stdout);
  if (g1 !== null) return { kind: 'wrong-state', current: g1[1] ?? '', expected: g1[2] ?? '' };
  return undefined;
}
