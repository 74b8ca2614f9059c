import { BaseCommand } from '../cli/base-command.js';
import { versionLine, versionReport, type VersionReport } from '../src/ui/version.js';

export default class Version extends BaseCommand {
  static override summary = "Print xlp's version, and the Node version and platform it runs on.";
  static override description = 'The same as xlp --version and xlp -v. With --json: a document with name, version, node and platform, for bug reports and inventory scripts.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<VersionReport> {
    await this.parse(Version);
    const report = versionReport(this.config.pjson);
    this.log(versionLine(report));
    return report;
  }
}
