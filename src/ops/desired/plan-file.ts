/**
 * A plan saved by `xlp plan --out` and read by `xlp sync --plan`: the plan with the fingerprint of
 * the live state it was made from (src/plan/saved-plan.ts), as a private file of the operator's.
 */
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { printable } from '../../model/text.js';
import { readSavedPlan as parseSavedPlan, savePlan, type SavedPlan } from '../../plan/saved-plan.js';
import type { Standing } from './check.js';

const MAX_PLAN_BYTES = 4 * 1024 * 1024;

/** Writes the plan to `path` (0600, never through a symlink); returns the absolute path. */
export async function writeSavedPlan(path: string, { plan, live }: Standing): Promise<string> {
  const absolute = resolve(path);
  const handle = await open(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot write the plan to ${printable(absolute, 256)}: ${error.code === 'ELOOP' ? 'it is a symlink' : (error.code ?? error.message)}`, 'give a path in a directory you can write');
  });
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify(savePlan(plan, live), null, 2)}\n`);
  } finally {
    await handle.close();
  }
  return absolute;
}

export async function readSavedPlan(path: string): Promise<SavedPlan> {
  const shown = printable(path, 256);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read the plan ${shown}: ${error.code ?? error.message}`, 'give the file xlp plan --out wrote');
  });
  if (text.length > MAX_PLAN_BYTES) throw usageError(`the plan ${shown} is larger than ${MAX_PLAN_BYTES} bytes`, 'give the file xlp plan --out wrote');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`the plan ${shown} is not JSON`, 'give the file xlp plan --out wrote');
  }
  const saved = parseSavedPlan(value);
  if ('invalid' in saved) throw usageError(`the plan ${shown} cannot be used: ${saved.invalid}`, 'make a new one with xlp plan --out');
  return saved;
}
