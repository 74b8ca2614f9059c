/**
 * `xlp inspect`: everything an operator should know about a payload before it goes near a
 * hypervisor, and everything Xen would refuse, from the file alone (and, optionally, against one
 * host's build-id). The report is a plain JSON value; renderInspect() is its text form.
 */
import { errnoInfo } from '../model/errno.js';
import { escapeText } from '../model/text.js';
import type { PayloadInfo } from '../payload/types.js';
import type { LoadForecast } from '../model/results.js';

export interface InspectedFunc {
  readonly name: string;
  /** 'by-name' when Xen resolves the old address from its symbol table (old_addr 0), else the address in hex. */
  readonly oldAddress: 'by-name' | string;
  readonly oldSize: number;
  readonly newSize: number;
  readonly version: number;
}

export interface InspectedProblem {
  readonly code: string;
  readonly message: string;
  readonly errno: number;
  readonly errnoName: string;
}

/** The file against the host inspect was given (--backend/--host): the host itself is the report's `host`. */
export interface HostComparison {
  readonly xenBuildId: string;
  /** .livepatch.xen_depends equals the host's build-id: the host's Xen would accept the upload. */
  readonly xenDependsMatches: boolean;
  /** .livepatch.depends equals the host's build-id: applies on an empty stack, usable with replace. */
  readonly dependsOnHypervisor: boolean;
  /** Whether `xlp load` of the file would succeed on the host now, stack and xlp's checks included. */
  readonly load: LoadForecast;
}

export interface InspectReport {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
  /** Each null when the file has no such section. */
  readonly buildId: string | null;
  readonly depends: string | null;
  readonly xenDepends: string | null;
  /** Distinct livepatch_func versions of the descriptors (Xen 4.14+ takes 2, earlier 1). */
  readonly funcVersions: readonly number[];
  readonly funcs: readonly InspectedFunc[];
  readonly hooks: readonly string[];
  /** .modinfo strings in order; null when the payload has no .modinfo section. */
  readonly modinfo: readonly string[] | null;
  /** The XSA and CVE entries of .modinfo (keys starting with XSA or CVE, any case). */
  readonly advisories: readonly string[];
  readonly sections: readonly { readonly name: string; readonly type: number; readonly flags: number; readonly size: number }[];
  readonly writableSections: readonly string[];
  /** What Xen 4.14+ would refuse at upload, first the one Xen reports. */
  readonly problems: readonly InspectedProblem[];
  /** What xlp refuses to upload on its own account (text unsafe to show on a terminal). */
  readonly defects: readonly { readonly code: string; readonly message: string }[];
  /** The host the file was compared with, as every command names a host; null without --backend/--host. */
  readonly host: string | null;
  /** How the file fares on that host; null without one. */
  readonly onHost: HostComparison | null;
  /** No problem or defect, and the host (when compared) would take it. */
  readonly acceptable: boolean;
}

export function inspectReport(file: string, info: PayloadInfo, onHost?: { host: string; xenBuildId: string; load: LoadForecast }): InspectReport {
  const host =
    onHost === undefined
      ? undefined
      : {
          xenBuildId: onHost.xenBuildId,
          xenDependsMatches: onHost.xenBuildId !== '' && info.xenDepends === onHost.xenBuildId,
          dependsOnHypervisor: info.depends === onHost.xenBuildId,
          load: onHost.load,
        };
  return {
    file,
    size: info.size,
    sha256: info.sha256,
    buildId: info.buildId ?? null,
    depends: info.depends ?? null,
    xenDepends: info.xenDepends ?? null,
    funcVersions: [...new Set(info.funcs.map((f) => f.version))].sort((a, b) => a - b),
    funcs: info.funcs.map((f) => ({
      name: f.name,
      oldAddress: f.oldAddr === 0n ? 'by-name' : `0x${f.oldAddr.toString(16)}`,
      oldSize: f.oldSize,
      newSize: f.newSize,
      version: f.version,
    })),
    hooks: info.hooks,
    modinfo: info.modinfo ?? null,
    advisories: (info.modinfo ?? []).filter((entry) => /^(xsa|cve)/i.test(entry)),
    sections: info.sections.map(({ name, type, flags, size }) => ({ name, type, flags, size })),
    writableSections: info.writableSections,
    problems: info.problems.map((p) => ({ code: p.code, message: p.message, errno: p.errno, errnoName: errnoInfo(p.errno).name })),
    defects: info.defects,
    host: onHost?.host ?? null,
    onHost: host ?? null,
    acceptable: info.problems.length === 0 && info.defects.length === 0 && (host === undefined || (host.xenDependsMatches && host.load.wouldSucceed)),
  };
}

const SECTION_TYPES: Record<number, string> = { 0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 7: 'NOTE', 8: 'NOBITS', 9: 'REL' };

function flagLetters(flags: number): string {
  return `${flags & 2 ? 'A' : ''}${flags & 1 ? 'W' : ''}${flags & 4 ? 'X' : ''}` || '-';
}

/** The report for people: every field that comes from the file is escaped on its own, so none can forge a line. */
export function renderInspect(report: InspectReport): string {
  const lines: string[] = [];
  const t = escapeText;
  const row = (label: string, value: string): number => lines.push(`  ${label.padEnd(13)}${value}`);
  lines.push(t(report.file));
  if (report.advisories.length > 0) lines.push(`  FIXES        ${report.advisories.map(t).join('  ')}`);
  row('size', `${report.size} bytes`);
  row('sha256', report.sha256);
  row('build-id', report.buildId ?? '(missing)');
  const onXen = report.depends !== null && report.depends === report.xenDepends;
  row('depends', `${report.depends ?? '(missing)'}${onXen ? '  (the hypervisor itself: first on the stack, or replace)' : report.depends === null ? '' : '  (stacks on another payload)'}`);
  row('xen_depends', report.xenDepends ?? '(missing)');
  if (report.onHost !== null) {
    const verdict = report.onHost.xenDependsMatches ? 'matches xen_depends' : 'DOES NOT match xen_depends: this hypervisor refuses the payload';
    row('host', `${report.host ?? ''}: Xen build-id ${report.onHost.xenBuildId || '(none)'}, ${verdict}`);
    row('load now', describeForecast(report.onHost.load));
  }
  row('funcs', `${report.funcs.length}${report.funcVersions.length === 0 ? '' : ` (livepatch_func version ${report.funcVersions.join(', ')})`}`);
  for (const f of report.funcs) {
    const where = f.oldAddress === 'by-name' ? 'resolved by name' : `at ${f.oldAddress}`;
    lines.push(`    ${t(f.name) || '(unresolved name)'}: old ${f.oldSize} bytes ${where}, new ${f.newSize} bytes`);
  }
  row('hooks', report.hooks.length === 0 ? 'none' : report.hooks.join(', '));
  row('modinfo', report.modinfo === null ? 'none' : report.modinfo.map(t).join('; ') || '(empty)');
  if (report.writableSections.length > 0) row('writable', `${report.writableSections.map(t).join(', ')} (once reverted, it must be unloaded and uploaded again to re-apply)`);
  lines.push('  sections');
  for (const s of report.sections) lines.push(`    ${(t(s.name) || '(no name)').padEnd(32)} ${(SECTION_TYPES[s.type] ?? String(s.type)).padEnd(9)} ${flagLetters(s.flags).padEnd(4)} ${s.size}`);
  if (report.defects.length > 0) {
    lines.push('xlp will not upload this payload:');
    for (const d of report.defects) lines.push(`  - ${t(d.message)}`);
  }
  if (report.problems.length > 0) {
    lines.push('Xen would refuse this payload:');
    for (const p of report.problems) lines.push(`  - ${p.message} (${p.errnoName})`);
  } else if (report.onHost !== null && report.onHost.load.refusal !== null) {
    lines.push(`${report.host ?? ''} would refuse a load now: ${t(report.onHost.load.refusal.message)}`);
  } else if (report.acceptable) {
    lines.push(report.host === null ? 'Acceptable to Xen 4.14+ (the host-dependent build-id checks run at upload).' : `Acceptable to ${report.host}.`);
  }
  return lines.join('\n');
}

function describeForecast(load: LoadForecast): string {
  if (load.refusal !== null) return `refused (exit ${load.refusal.exitCode}): ${escapeText(load.refusal.message)}`;
  return load.steps.length === 0 ? 'nothing to do: these bytes are already applied' : `would ${load.steps.join(' and ')}`;
}
