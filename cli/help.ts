/**
 * xlp's help: oclif's, with the root help also listing the flags every command takes and the flags
 * that say which host a command reaches (from the same definitions as the commands' own help).
 */
import { CommandHelp, Help } from '@oclif/core/help';
import * as Flags from '@oclif/core/flags';
import type { Command } from '@oclif/core/command';
import { BaseCommand, wantsJson } from './base-command.js';
import { reportUnknownCommand } from './command-not-found.js';
import { hostFlags } from './host-flags.js';

/** oclif answers these before any command runs (package.json oclif.additionalHelpFlags, additionalVersionFlags). */
const builtIn = {
  help: Flags.boolean({ char: 'h', summary: 'Show help: of xlp, of a topic, or of the command before it.', helpGroup: 'GLOBAL' }),
  version: Flags.boolean({ char: 'v', summary: "Print xlp's version (the same as xlp version).", helpGroup: 'GLOBAL' }),
};

export default class XlpHelp extends Help {
  /** `xlp help lsit`, `xlp lsit --help`: the usage error `xlp lsit` gives, not oclif's own error (and stack). */
  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv);
    } catch (error) {
      // oclif's Help.showHelp ends with this error when the subject is neither a command nor a topic.
      if (!(error instanceof Error) || !/^Command .+ not found\.$/.test(error.message)) throw error;
      const end = argv.indexOf('--');
      reportUnknownCommand(this.config, (end < 0 ? argv : argv.slice(0, end)).filter((arg) => arg !== 'help' && !arg.startsWith('-')), wantsJson(argv));
    }
  }

  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const shared = { id: '', flags: { ...BaseCommand.baseFlags, ...builtIn, ...hostFlags } } as unknown as Command.Loadable;
    this.log(new CommandHelp(shared, this.config, { ...this.opts, sections: ['flags'] }).generate());
    this.log('');
  }
}
