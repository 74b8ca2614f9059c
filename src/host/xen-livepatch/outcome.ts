/**
 * Recognises success, and only success: an exit status of 0 proves nothing (the tool exits 0 when
 * it cannot even reach Xen), so each result needs the exact text the tool prints when it succeeds.
 */
import type { ToolOutput } from '../../model/types.js';
import type { Action } from '../../model/vocabulary.js';
import { findFailure } from './diagnose.js';

const VERBS: Record<Action, string> = {
  apply: 'Applying',
  revert: 'Reverting',
  unload: 'Unloading',
  replace: 'Replacing all live patches with',
};

const succeeded = (output: ToolOutput, stdoutMatches: boolean): boolean =>
  output.exitCode === 0 && stdoutMatches && findFailure(output) === undefined;

/** True when `upload` of `file` is reported complete (4.9+), or was attempted and not refused (4.7-4.8). */
export function uploadSucceeded(file: string, output: ToolOutput): boolean {
  const { stdout } = output;
  const g1Prefix = `Uploading ${file} (`;
  const matches =
    stdout === `Uploading ${file}... completed\n` ||
    (stdout.startsWith(g1Prefix) && /^\d+ bytes\)\n$/.test(stdout.slice(g1Prefix.length)));
  return succeeded(output, matches);
}

/**
 * 'done' for `<Verb> <name>... completed` (4.9+) or `Performing <action>:... completed` (4.7-4.8);
 * 'unchanged' for `No action needed.` (4.9+; no full stop in 4.7-4.8); undefined otherwise.
 */
export function actionOutcome(action: Action, name: string, output: ToolOutput): 'done' | 'unchanged' | undefined {
  const { stdout } = output;
  if (succeeded(output, stdout === 'No action needed.\n' || stdout === 'No action needed\n')) return 'unchanged';
  const g1 = new RegExp(`^Performing ${action}:\\.* completed\\n$`);
  if (succeeded(output, stdout === `${VERBS[action]} ${name}... completed\n` || g1.test(stdout))) return 'done';
  return undefined;
}
