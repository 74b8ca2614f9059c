/** What an interrupted change did, judged from the hypervisor's live state. */
import type { PayloadStatus } from '../host/backend.js';
import { Errno } from '../model/errno.js';
import type { Verdict } from './record.js';
import type { AuditOperation } from './types.js';

export interface Judgement {
  readonly verdict: Verdict;
  readonly explanation: string;
}

export function judge(operation: AuditOperation, name: string, live: readonly PayloadStatus[]): Judgement {
  const payload = live.find((p) => p.name === name);
  if (payload !== undefined && payload.rc === Errno.EAGAIN) return { verdict: 'in-flight', explanation: `${name} still has an action in flight (EAGAIN)` };
  const state = payload?.state ?? 'absent';
  const is = `${name} is ${state === 'absent' ? 'not loaded' : state}`;
  const said = (verdict: Verdict, more = ''): Judgement => ({ verdict, explanation: `${is}${more}` });
  switch (operation) {
    case 'upload':
      return state === 'absent' ? said('not-done') : said('completed');
    case 'load':
      if (state === 'APPLIED') return said('completed');
      if (state === 'CHECKED') return said('partial', `: uploaded but not applied; apply or unload it`);
      return said('not-done');
    case 'apply':
      return state === 'APPLIED' ? said('completed') : state === 'CHECKED' ? said('not-done') : said('unknown', ' any more');
    case 'revert':
      return state === 'CHECKED' ? said('completed') : state === 'APPLIED' ? said('not-done') : said('unknown', ' any more');
    case 'unload':
      return state === 'absent' ? said('completed') : said('not-done');
    case 'replace': {
      const others = live.filter((p) => p.name !== name && p.state === 'APPLIED').map((p) => p.name);
      if (state === 'APPLIED' && others.length === 0) return said('completed');
      if (state === 'CHECKED') return said('not-done');
      return said('unknown', others.length === 0 ? '' : `, and ${others.join(', ')} still APPLIED`);
    }
  }
}
