/** The one encoding of what each operation does: targets, the list and the stack after, verdicts, effects. */
import { describe, expect, it } from 'vitest';
import type { PayloadStatus } from '../../src/model/types.js';
import { effectOf, judge, listAfter, OPERATIONS, stackAfter, TARGET, type Operation, type Presence } from '../../src/model/vocabulary.js';

const p = (name: string, state: PayloadStatus['state'], rc = 0, metadata: string[] = []): PayloadStatus => ({ name, state, rc, metadata });

describe('the list after a confirmed operation', () => {
  const before = [p('a', 'APPLIED'), p('b', 'APPLIED'), p('c', 'CHECKED', 16, ['XSA=1'])];
  it('changes only what the operation changes, keeping upload order and metadata', () => {
    expect(listAfter(before, 'apply', 'c')).toEqual([p('a', 'APPLIED'), p('b', 'APPLIED'), p('c', 'APPLIED', 0, ['XSA=1'])]);
    expect(listAfter(before, 'revert', 'b')).toEqual([p('a', 'APPLIED'), p('b', 'CHECKED'), p('c', 'CHECKED', 16, ['XSA=1'])]);
    expect(listAfter(before, 'unload', 'c')).toEqual([p('a', 'APPLIED'), p('b', 'APPLIED')]);
    expect(listAfter(before, 'replace', 'c')).toEqual([p('a', 'CHECKED'), p('b', 'CHECKED'), p('c', 'APPLIED', 0, ['XSA=1'])]);
  });
  it('appends what an upload or a load brings, with its metadata', () => {
    expect(listAfter(before, 'upload', 'd', ['V=1'])).toEqual([...before, p('d', 'CHECKED', 0, ['V=1'])]);
    expect(listAfter(before, 'load', 'd')).toEqual([...before, p('d', 'APPLIED')]);
  });
  it('leaves every payload in its operation target', () => {
    for (const operation of OPERATIONS) {
      const after = listAfter(before, operation, 'c');
      expect(after.find((x) => x.name === 'c')?.state ?? 'absent').toBe(TARGET[operation]);
    }
  });
});

describe('the applied stack after a confirmed operation', () => {
  it.each([
    ['apply', 'c', ['a', 'b', 'c']],
    ['load', 'c', ['a', 'b', 'c']],
    ['revert', 'b', ['a']],
    ['unload', 'c', ['a', 'b']],
    ['replace', 'c', ['c']],
    ['upload', 'c', ['a', 'b']],
  ] as const)('%s of %s gives %j', (operation, name, stack) => {
    expect(stackAfter(['a', 'b'], operation, name)).toEqual(stack);
  });
});

describe('verdicts on interrupted changes, from the state before and the live state', () => {
  it.each([
    ['load', 'absent', [p('x', 'APPLIED')], 'completed'],
    ['load', 'absent', [p('x', 'CHECKED')], 'partial'],
    ['load', 'absent', [], 'not-done'],
    ['load', 'absent', [p('x', 'CHECKED', 11)], 'in-flight'],
    ['upload', 'absent', [p('x', 'CHECKED')], 'completed'],
    ['upload', 'absent', [], 'not-done'],
    ['apply', 'CHECKED', [p('x', 'APPLIED')], 'completed'],
    ['apply', 'CHECKED', [p('x', 'CHECKED')], 'not-done'],
    ['apply', 'CHECKED', [], 'unknown'],
    ['revert', 'APPLIED', [p('x', 'CHECKED')], 'completed'],
    ['revert', 'APPLIED', [p('x', 'APPLIED')], 'not-done'],
    ['unload', 'CHECKED', [], 'completed'],
    ['unload', 'CHECKED', [p('x', 'CHECKED')], 'not-done'],
    ['replace', 'CHECKED', [p('x', 'APPLIED'), p('y', 'CHECKED')], 'completed'],
    ['replace', 'CHECKED', [p('x', 'APPLIED'), p('y', 'APPLIED')], 'unknown'],
    ['replace', 'CHECKED', [p('x', 'CHECKED'), p('y', 'APPLIED')], 'not-done'],
  ] as const)('%s from %s with live %j is %s', (operation, before, live, verdict) => {
    expect(judge(operation, 'x', before, live).verdict).toBe(verdict);
  });
});

describe('what a change left behind', () => {
  it.each([
    ['load', 'absent', 'APPLIED', 'load'],
    ['load', 'absent', 'CHECKED', 'upload'],
    ['load', 'absent', 'absent', undefined],
    ['apply', 'CHECKED', 'APPLIED', 'apply'],
    ['apply', 'CHECKED', 'absent', undefined],
    ['unload', 'CHECKED', 'absent', 'unload'],
  ] as [Operation, Presence, Presence, Operation | undefined][])('%s from %s to %s is the effect of %s', (operation, before, after, effect) => {
    expect(effectOf(operation, before, after)).toBe(effect);
  });
});
