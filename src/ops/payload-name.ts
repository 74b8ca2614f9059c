import { basename } from 'node:path';

/** The name xen-livepatch's own `load` would give a file: its basename without the last extension. */
export function nameFromFile(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
