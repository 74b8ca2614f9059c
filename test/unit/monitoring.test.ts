/** The Monitoring Plugins line of status and check: which findings decide the state, and what the line says. */
import { describe, expect, it } from 'vitest';
import type { Anomaly, StatusResult } from '../../src/audit/status.js';
import type { CheckResult } from '../../src/model/results.js';
import { checkVerdict, pluginVerdict, statusVerdict, unknownVerdict } from '../../src/ui/monitoring.js';

const payload = (name: string, state: 'APPLIED' | 'CHECKED') => ({ name, state, rc: 0, metadata: [], advisories: { xsa: [], cve: [] }, source: 'xlp' as const, verified: true, sha256: null, buildId: null, signer: null, uploaded: null, applied: null });

function status(found: Array<Pick<Anomaly, 'kind'> & Partial<Anomaly>>, top: string | null = 'xsa-2'): StatusResult {
  const anomalies = found.map((a): Anomaly => ({ name: null, record: null, recorded: null, message: '', ...a }));
  return {
    host: 'localhost',
    journal: { path: '/j', exists: true, records: 3, head: null, problem: null },
    inProgress: null,
    payloads: [payload('xsa-1', 'APPLIED'), payload('xsa-2', 'APPLIED'), payload('xsa-3', 'CHECKED')],
    patchLevel: { order: ['xsa-1', 'xsa-2'], unplaced: [], top, advisories: { xsa: [], cve: [] } },
    anomalies,
  };
}

describe('pluginVerdict', () => {
  it('is OK with the summary and the perfdata when nothing is found', () => {
    expect(pluginVerdict('all fine', [], [{ label: 'applied', value: 2 }])).toEqual({ state: 'OK', exitCode: 0, line: 'XLP OK - all fine | applied=2;;;0' });
  });

  it('takes the worst finding, and names every finding, worst first', () => {
    const verdict = pluginVerdict('s', [{ severity: 'WARNING', text: 'w' }, { severity: 'CRITICAL', text: 'c' }, { severity: 'UNKNOWN', text: 'u' }], []);
    expect(verdict).toEqual({ state: 'CRITICAL', exitCode: 2, line: 'XLP CRITICAL - c; u; w (s)' });
    expect(pluginVerdict('s', [{ severity: 'UNKNOWN', text: 'u' }, { severity: 'WARNING', text: 'w' }], []).exitCode).toBe(3);
  });
});

describe('statusVerdict', () => {
  it('is OK with the counts and the top of the stack', () => {
    expect(statusVerdict(status([])).line).toBe('XLP OK - 2 applied (top xsa-2), 1 checked on localhost | applied=2;;;0 checked=1;;;0');
    expect(statusVerdict(status([], null)).line).toBe('XLP OK - 2 applied, 1 checked on localhost | applied=2;;;0 checked=1;;;0');
  });

  it('is CRITICAL when a payload recorded as applied is missing, WARNING when a CHECKED one is', () => {
    expect(statusVerdict(status([{ kind: 'missing', name: 'xsa-9', recorded: 'APPLIED', message: '' }])).line).toMatch(/^XLP CRITICAL - xsa-9 missing \(was APPLIED\) \(/);
    expect(statusVerdict(status([{ kind: 'missing', name: 'xsa-9', recorded: 'CHECKED', message: '' }])).exitCode).toBe(1);
    expect(statusVerdict(status([{ kind: 'state-differs', name: 'xsa-1', recorded: 'APPLIED', message: '' }])).exitCode).toBe(2);
  });

  it('is CRITICAL for a broken journal and WARNING for what xlp cannot vouch for or did not finish', () => {
    expect(statusVerdict(status([{ kind: 'journal-broken', record: 7, message: '' }])).line).toContain('journal broken at line 7');
    for (const kind of ['loaded-outside-xlp', 'unverified', 'interrupted', 'stale-checked'] as const) {
      expect(statusVerdict(status([{ kind, name: 'xsa-3', record: 2, message: '' }])).state, kind).toBe('WARNING');
    }
  });

  it("is CRITICAL while boot's crash-loop guard holds payloads back, WARNING while boot is switched off", () => {
    const tripped = { ...status([]), boot: { killSwitch: null, guard: { state: 'tripped' as const, payloads: ['xsa-2'] }, critical: true } };
    expect(statusVerdict(tripped).line).toMatch(/^XLP CRITICAL - crash-loop guard holds back xsa-2 \(xlp boot clear\) \(/);
    expect(statusVerdict(tripped).exitCode).toBe(2);
    const off = { ...status([]), boot: { killSwitch: 'xlp.enable=0 on the kernel command line', guard: { state: 'clear' as const, payloads: [] }, critical: false } };
    expect(statusVerdict(off).line).toMatch(/^XLP WARNING - boot re-apply switched off: xlp.enable=0 on the kernel command line \(/);
    const armed = { ...status([]), boot: { killSwitch: null, guard: { state: 'armed' as const, payloads: ['xsa-2'] }, critical: false } };
    expect(statusVerdict(armed).state).toBe('OK');
  });

  it('escapes a name that would forge output or start the perfdata', () => {
    const { line } = statusVerdict(status([{ kind: 'loaded-outside-xlp', name: 'evil|a=1\u001b[2J\u202e', message: '' }]));
    expect(line).toContain('evil\\x7ca=1\\x1b[2J\\u{202e}');
    expect(line.split('|')).toHaveLength(2);
  });
});

describe('checkVerdict', () => {
  const check = (differences: CheckResult['differences']): CheckResult => ({ host: 'localhost', manifest: '/m.yaml', xenBuildId: 'x', inSync: differences.length === 0, differences, unmanaged: [], blocked: null });

  it('is OK in sync, CRITICAL on drift naming each difference', () => {
    const live = [{ state: 'APPLIED' }, { state: 'CHECKED' }];
    expect(checkVerdict(check([]), live).line).toBe('XLP OK - localhost carries what /m.yaml says | applied=1;;;0 checked=1;;;0 differences=0;;;0');
    const drift = checkVerdict(check([{ name: 'xsa-2', kind: 'missing', want: 'APPLIED', have: null }]), live);
    expect(drift).toMatchObject({ state: 'CRITICAL', exitCode: 2 });
    expect(drift.line).toMatch(/^XLP CRITICAL - xsa-2 missing \(drift from \/m\.yaml\) \| .*differences=1;;;0$/);
  });
});

describe('unknownVerdict', () => {
  it('is UNKNOWN, one line, with no perfdata', () => {
    expect(unknownVerdict('cannot run xen-livepatch\nsecond line')).toEqual({ state: 'UNKNOWN', exitCode: 3, line: 'XLP UNKNOWN - cannot run xen-livepatch\\x0asecond line' });
  });
});
