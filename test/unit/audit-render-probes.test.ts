/** `xlp audit log` shows a change's health probes with what they said: where a failed probe's hint sends the operator. */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/audit/history.js';
import { renderChanges } from '../../src/ui/audit-render.js';

const change = (probes?: Change['probes']): Change => ({
  seq: 7,
  time: '2026-12-02T01:00:00.000Z',
  host: 'root@dom0',
  controller: 'ctl',
  user: 'root',
  pid: 1,
  argv: ['sync'],
  operation: 'apply',
  name: 'xsa-466',
  before: 'CHECKED',
  result: 'failed',
  ...(probes === undefined ? {} : { probes }),
});

describe('renderChanges and health probes', () => {
  it('lists each probe under the table with its verdict and its output, line by line, escaped', () => {
    const text = renderChanges([
      change([
        { argv: ['/usr/local/bin/guest-health', '--quick'], exitCode: 0, timedOut: false, durationMs: 12, stdout: 'ok\n', stderr: '' },
        { argv: ['/bin/sh', '-c', 'exit 3'], exitCode: 3, timedOut: false, durationMs: 5, stdout: '', stderr: 'two guests down\n\u001b[31mred\n' },
        { argv: ['/bin/sleep', '60'], exitCode: null, timedOut: true, durationMs: 1000, stdout: '', stderr: '' },
      ]),
    ]);
    const lines = text.split('\n');
    const at = lines.indexOf('Health probes:');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1)).toEqual([
      '  record 7 apply xsa-466: /usr/local/bin/guest-health --quick: exit 0 in 12 ms',
      '    stdout: ok',
      "  record 7 apply xsa-466: /bin/sh -c 'exit 3': exit 3 in 5 ms",
      '    stderr: two guests down',
      '    stderr: \\x1b[31mred',
      '  record 7 apply xsa-466: /bin/sleep 60: timed out in 1000 ms',
    ]);
  });

  it('adds nothing for changes without probes', () => {
    expect(renderChanges([change()])).not.toContain('Health probes');
  });
});
