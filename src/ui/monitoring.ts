/**
 * `--nagios`: a status or a check as one line in the Monitoring Plugins format
 * (https://www.monitoring-plugins.org/doc/guidelines.html), which Nagios, Icinga, Naemon, Zabbix and
 * Sensu read: `XLP <STATE> - <text> | <perfdata>`, and the state as the exit code (0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN). Whatever a command found is a list of findings, each with its severity;
 * the worst one decides the state, and every finding is named in the text, worst first. A new kind
 * of finding is one more entry in a table below, never a new code path (docs/monitoring.md).
 */
import type { Anomaly, AnomalyKind, StatusResult } from '../audit/status.js';
import type { BootStatus, CheckResult } from '../model/results.js';
import { printable } from '../model/text.js';

/** The plugin states, in order: a state's index is its exit code. */
export const PLUGIN_STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];
export type Severity = Exclude<PluginState, 'OK'>;

/** One thing that is wrong, in a few words (escaped). */
export interface Finding {
  readonly severity: Severity;
  readonly text: string;
}

/** A count for the performance data: `label=value;;;0`. */
export interface PerfCount {
  readonly label: string;
  readonly value: number;
}

export interface PluginVerdict {
  readonly state: PluginState;
  readonly exitCode: 0 | 1 | 2 | 3;
  /** The one line to print on stdout. */
  readonly line: string;
}

/** Worst first; UNKNOWN is worse than nothing found but ranks after CRITICAL (the guidelines' order of concern). */
const RANK: Record<Severity, number> = { CRITICAL: 0, WARNING: 2, UNKNOWN: 1 };

/**
 * Untrusted text (payload names, journal messages, paths) for the plugin line: escaped and cut like
 * every one-line message, and without '|', which would start the performance data.
 */
export const pluginText = (text: string, max = 64): string => printable(text, max).replaceAll('|', '\\x7c');

/** The verdict of a list of findings: the worst severity, each finding named; `summary` when there is none. */
export function pluginVerdict(summary: string, findings: readonly Finding[], perf: readonly PerfCount[]): PluginVerdict {
  const sorted = [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  const state: PluginState = sorted[0]?.severity ?? 'OK';
  const exitCode = PLUGIN_STATES.indexOf(state) as PluginVerdict['exitCode'];
  const named = sorted.map((f) => f.text).join('; ');
  const text = sorted.length === 0 ? summary : summary === '' ? named : `${named} (${summary})`;
  const perfdata = perf.map((p) => `${p.label}=${p.value};;;0`).join(' ');
  return { state, exitCode, line: `XLP ${state} - ${text}${perfdata === '' ? '' : ` | ${perfdata}`}` };
}

/** Any failure to find out (the hypervisor out of reach, a bad flag, an unreadable file): UNKNOWN. */
export const unknownVerdict = (message: string): PluginVerdict => pluginVerdict('', [{ severity: 'UNKNOWN', text: pluginText(message, 200) }], []);

/**
 * How bad each of status's anomalies is, and its few words. A payload recorded as applied that is not
 * applied now (a reboot, an unload or revert outside xlp) leaves the host unpatched: CRITICAL; so does
 * a journal xlp cannot trust. What xlp cannot vouch for, or a run cut short, is a WARNING.
 */
const ANOMALIES: Record<AnomalyKind, (a: Anomaly, name: string) => Finding> = {
  missing: (a, name) => ({ severity: a.recorded === 'APPLIED' ? 'CRITICAL' : 'WARNING', text: `${name} missing (was ${a.recorded ?? 'loaded'})` }),
  'state-differs': (a, name) => ({ severity: a.recorded === 'APPLIED' ? 'CRITICAL' : 'WARNING', text: `${name} no longer ${a.recorded ?? 'as recorded'}` }),
  'journal-broken': (a) => ({ severity: 'CRITICAL', text: `journal broken at line ${a.record ?? '?'}` }),
  'journal-tail': () => ({ severity: 'CRITICAL', text: 'journal tail not written by xlp' }),
  'loaded-outside-xlp': (_a, name) => ({ severity: 'WARNING', text: `${name} loaded outside xlp` }),
  unverified: (_a, name) => ({ severity: 'WARNING', text: `${name} bytes unverified` }),
  interrupted: (a, name) => ({ severity: 'WARNING', text: `interrupted run on ${name} (journal record ${a.record ?? '?'})` }),
  'stale-checked': (_a, name) => ({ severity: 'WARNING', text: `${name} stale CHECKED (xlp prune)` }),
};

const applied = (payloads: readonly { readonly state: string }[], state: string): number => payloads.filter((p) => p.state === state).length;

/**
 * Boot's standing: a crash-loop guard that holds payloads back leaves the host unpatched after its
 * next boot (CRITICAL until `xlp boot clear`); a kill switch that is on means boot re-applies nothing
 * (WARNING: an operator chose it, but it must not be forgotten).
 */
function bootFindings(boot: BootStatus | undefined): Finding[] {
  if (boot === undefined) return [];
  const held = boot.guard.payloads.map((name) => pluginText(name)).join(', ');
  return [
    ...(boot.critical ? [{ severity: 'CRITICAL' as const, text: `crash-loop guard holds back ${held || 'payloads'} (xlp boot clear)` }] : []),
    ...(typeof boot.killSwitch === 'string' ? [{ severity: 'WARNING' as const, text: `boot re-apply switched off: ${pluginText(boot.killSwitch)}` }] : []),
  ];
}

/** `xlp status --nagios`. */
export function statusVerdict(status: StatusResult): PluginVerdict {
  const findings = [...status.anomalies.map((a) => ANOMALIES[a.kind](a, pluginText(a.name ?? ''))), ...bootFindings(status.boot)];
  const count = { applied: applied(status.payloads, 'APPLIED'), checked: applied(status.payloads, 'CHECKED') };
  const top = status.patchLevel.top;
  const summary = `${count.applied} applied${top === null ? '' : ` (top ${pluginText(top)})`}, ${count.checked} checked on ${pluginText(status.host)}`;
  return pluginVerdict(summary, findings, [
    { label: 'applied', value: count.applied },
    { label: 'checked', value: count.checked },
  ]);
}

/** `xlp check --nagios`: each difference from the manifest is drift, CRITICAL. `live` counts the host's payloads by state. */
export function checkVerdict(check: CheckResult, live: readonly { readonly state: string }[]): PluginVerdict {
  const findings = check.differences.map((d): Finding => ({ severity: 'CRITICAL', text: `${pluginText(d.name)} ${d.kind}` }));
  const summary = check.inSync ? `${pluginText(check.host)} carries what ${pluginText(check.manifest, 120)} says` : `drift from ${pluginText(check.manifest, 120)}`;
  return pluginVerdict(summary, findings, [
    { label: 'applied', value: applied(live, 'APPLIED') },
    { label: 'checked', value: applied(live, 'CHECKED') },
    { label: 'differences', value: check.differences.length },
  ]);
}
