/**
 * `xlp inspect`: everything an operator should know about a payload before it goes near a
 * hypervisor, and everything Xen would refuse, from the file alone (and, optionally, against one
 * host's build-id). The report is a plain JSON value; renderInspect() is its text form.
 */
import { errnoInfo } from '../model/errno.js';
import { escapeText } from '../model/text.js';
import type { PayloadInfo } from '../payload/types.js';

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

export interface HostComparison {
  readonly host: string;
  readonly xenBuildId: string;
  /** .livepatch.xen_depends equals the host's build-id: the host's Xen would accept the upload. */
  readonly xenDependsMatches: boolean;
  /** .livepatch.depends equals the host's build-id: applies on an empty stack, usable with replace. */
  readonly dependsOnHypervisor: boolean;
}

export interface InspectReport {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
  readonly buildId?: string;
  readonly depends?: string;
  readonly xenDepends?: string;
  /** Distinct livepatch_func versions of the descriptors (Xen 4.14+ takes 2, earlier 1). */
  readonly funcVersions: readonly number[];
  readonly funcs: readonly InspectedFunc[];
  readonly hooks: readonly string[];
  /** .modinfo strings in order; absent when the payload has none. */
  readonly modinfo?: readonly string[];
  /** The XSA and CVE entries of .modinfo (keys starting with XSA or CVE, any case). */
  readonly advisories: readonly string[];
  readonly sections: readonly { readonly name: string; readonly type: number; readonly flags: number; readonly size: number }[];
  readonly writableSections: readonly string[];
  /** What Xen 4.14+ would refuse at upload, first the one Xen reports. */
  readonly problems: readonly InspectedProblem[];
  /** What xlp refuses to upload on its own account (text unsafe to show on a terminal). */
  readonly defects: readonly { readonly code: string; readonly message: string }[];
  readonly host?: HostComparison;
  /** No problem or defect, and the host (when compared) would take it. */
  readonly acceptable: boolean;
}

export function inspectReport(file: string, info: PayloadInfo, hostBuildId?: { host: string; xenBuildId: string }): InspectReport {
  const host =
    hostBuildId === undefined
      ? undefined
      : {
          host: hostBuildId.host,
          xenBuildId: hostBuildId.xenBuildId,
          xenDependsMatches: hostBuildId.xenBuildId !== '' && info.xenDepends === hostBuildId.xenBuildId,
          dependsOnHypervisor: info.depends === hostBuildId.xenBuildId,
        };
  return {
    file,
    size: info.size,
    sha256: info.sha256,
    ...(info.buildId === undefined ? {} : { buildId: info.buildId }),
    ...(info.depends === undefined ? {} : { depends: info.depends }),
    ...(info.xenDepends === undefined ? {} : { xenDepends: info.xenDepends }),
    funcVersions: [...new Set(info.funcs.map((f) => f.version))].sort((a, b) => a - b),
    funcs: info.funcs.map((f) => ({
      name: f.name,
      oldAddress: f.oldAddr === 0n ? 'by-name' : `0x${f.oldAddr.toString(16)}`,
      oldSize: f.oldSize,
      newSize: f.newSize,
      version: f.version,
    })),
    hooks: info.hooks,
    ...(info.modinfo === undefined ? {} : { modinfo: info.modinfo }),
    advisories: (info.modinfo ?? []).filter((entry) => /^(xsa|cve)/i.test(entry)),
    sections: info.sections.map(({ name, type, flags, size }) => ({ name, type, flags, size })),
    writableSections: info.writableSections,
    problems: info.problems.map((p) => ({ code: p.code, message: p.message, errno: p.errno, errnoName: errnoInfo(p.errno).name })),
    defects: info.defects,
    ...(host === undefined ? {} : { host }),
    acceptable: info.problems.length === 0 && info.defects.length === 0 && (host === undefined || host.xenDependsMatches),
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
  const onXen = report.depends !== undefined && report.depends === report.xenDepends;
  row('depends', `${report.depends ?? '(missing)'}${onXen ? '  (the hypervisor itself: first on the stack, or replace)' : report.depends === undefined ? '' : '  (stacks on another payload)'}`);
  row('xen_depends', report.xenDepends ?? '(missing)');
  if (report.host !== undefined) {
    const verdict = report.host.xenDependsMatches ? 'matches xen_depends' : 'DOES NOT match xen_depends: this hypervisor refuses the payload';
    row('host', `${report.host.host}: Xen build-id ${report.host.xenBuildId || '(none)'}, ${verdict}`);
  }
  row('funcs', `${report.funcs.length}${report.funcVersions.length === 0 ? '' : ` (livepatch_func version ${report.funcVersions.join(', ')})`}`);
  for (const f of report.funcs) {
    const where = f.oldAddress === 'by-name' ? 'resolved by name' : `at ${f.oldAddress}`;
    lines.push(`    ${t(f.name) || '(unresolved name)'}: old ${f.oldSize} bytes ${where}, new ${f.newSize} bytes`);
  }
  row('hooks', report.hooks.length === 0 ? 'none' : report.hooks.join(', '));
  row('modinfo', report.modinfo === undefined ? 'none' : report.modinfo.map(t).join('; ') || '(empty)');
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
  } else if (report.acceptable) {
    lines.push(report.host === undefined ? 'Acceptable to Xen 4.14+ (the host-dependent build-id checks run at upload).' : `Acceptable to ${report.host.host}.`);
  }
  return lines.join('\n');
}
