/** xen-livepatch's show_help() text for each tool generation, byte for byte (it goes to stderr). */
import type { ToolGeneration } from './xen-version.js';

const NODEPS_FLAG = [
  '    Supported flags:',
  '      --nodeps           Disable inter-module buildid dependency check.',
  '                         Check only against hypervisor buildid.',
];

export function helpText(generation: ToolGeneration): string {
  const modern = generation >= 3;
  const lines = [
    'xen-livepatch: live patching tool',
    generation === 4
      ? 'Usage: xen-livepatch [--force] <command> [args] [command-flags]'
      : modern
        ? 'Usage: xen-livepatch <command> [args] [command-flags]'
        : 'Usage: xen-livepatch <command> [args]',
    ...(generation === 4 ? [' Use --force option to bypass some checks.'] : []),
    ' <name> An unique name of payload. Up to 128 characters.',
    'Commands:',
    '  help                   display this help',
    '  upload <name> <file>   upload file <file> with <name> name',
    '  list                   list payloads uploaded.',
    modern ? '  apply <name> [flags]   apply <name> patch.' : '  apply <name>           apply <name> patch.',
    ...(modern ? NODEPS_FLAG : []),
    '  revert <name>          revert name <name> patch.',
    '  replace <name>         apply <name> patch and revert all others.',
    '  unload <name>          unload name <name> patch.',
    ...(modern
      ? ['  load <file> [flags]    upload and apply <file> with name as the <file> name', ...NODEPS_FLAG]
      : ['  load  <file>           upload and apply <file>.', '                         name is the <file> name']),
  ];
  return `${lines.join('\n')}\n`;
}
