/**
 * oclif's postrun hook: after `xlp autocomplete` (@oclif/plugin-autocomplete) has written its
 * completion functions, xlp's own take their place (cli/completion-scripts.ts), at the paths the
 * plugin's setup line (`xlp autocomplete script bash|zsh`) sources. The plugin's instructions, its
 * cache directory and its --refresh-cache stay as they are.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hook } from '@oclif/core/hooks';
import { bashCompletion, zshCompletion } from './completion-scripts.js';

const hook: Hook.Postrun = async function ({ Command, config }) {
  if (Command.id !== 'autocomplete') return;
  // The layout of @oclif/plugin-autocomplete 3 (its base.js and create.js).
  const functions = join(config.cacheDir, 'autocomplete', 'functions');
  await Promise.all([writeFile(join(functions, 'bash', `${config.bin}.bash`), bashCompletion(config.bin)), writeFile(join(functions, 'zsh', `_${config.bin}`), zshCompletion(config.bin))]);
};

export default hook;
