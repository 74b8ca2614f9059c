/**
 * What `xlp --version`, `xlp -v` and `xlp version` print: oclif's user-agent line for people, the
 * same facts as a JSON document with --json. The flag forms are answered in cli/main.ts without
 * loading oclif; `xlp version` is an oclif command (help, completion); both print this.
 */
export interface VersionReport {
  readonly name: string;
  readonly version: string;
  /** Node's version, without the "v". */
  readonly node: string;
  /** Operating system and architecture, as oclif names them: linux-x64. */
  readonly platform: string;
}

export const versionReport = (pjson: { readonly name: string; readonly version: string }): VersionReport => ({
  name: pjson.name,
  version: pjson.version,
  node: process.versions.node,
  platform: `${process.platform}-${process.arch}`,
});

/** "xlp/0.1.0 linux-x64 node-v20.20.2", the line oclif prints for --version. */
export const versionLine = (report: VersionReport): string => `${report.name}/${report.version} ${report.platform} node-v${report.node}`;
