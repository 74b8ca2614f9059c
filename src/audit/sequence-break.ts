/**
 * What a record out of sequence means. The streaming check stops at the first line whose `seq` is
 * not its line number; only a second look at the whole file tells a deleted record (its number is
 * nowhere further down) from records moved (it is), a duplicate (the same record stands earlier) and
 * an inserted one (another record already has that number). Read only when the chain is broken.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export async function explainSequence(path: string, line: number, seq: unknown, hash: string): Promise<string> {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'it is not a record number';
  let earlier: unknown;
  let movedTo: number | undefined;
  let n = 0;
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    for await (const text of handle.readLines()) {
      n += 1;
      if (n === seq && seq < line) earlier = field(text, 'hash');
      if (n > line && movedTo === undefined && field(text, 'seq') === line) movedTo = n;
    }
  } finally {
    await handle.close().catch(() => {});
  }
  if (seq < line) return earlier === hash ? `a duplicate of record ${seq} (line ${seq})` : `a record numbered ${seq} was inserted (line ${seq} holds another record ${seq})`;
  if (movedTo !== undefined) return `records were reordered: record ${line} is at line ${movedTo}`;
  return seq === line + 1 ? `record ${line} was deleted` : `records ${line} to ${seq - 1} were deleted`;
}

function field(text: string, name: 'seq' | 'hash'): unknown {
  try {
    return (JSON.parse(text) as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}
