/**
 * A fake `xl` with the three subcommands a live-patching operator uses on a dom0: `info` (the
 * hypervisor's version and build-id), `dmesg` (the console ring) and `debug-keys` (key 'x' dumps
 * the live-patch payloads, build-ids included, to the console). Anything else is refused the way
 * xl refuses an unknown subcommand.
 */
import { SimHost } from './host.js';
import { resolveStatePath, type SimEnv } from './state-store.js';
import { ToolOutput, padBytes, type FakeResult } from './tool-output.js';

interface SubCommand {
  readonly name: string;
  readonly description: string;
  readonly usage: string;
  readonly modifies: boolean;
  readonly options?: string;
}

/** Entries of xl_cmdtable.c for the simulated subcommands. */
const SUBCOMMANDS: readonly SubCommand[] = [
  { name: 'info', description: 'Get information about Xen host', usage: '-n, --numa         List host NUMA topology information', modifies: false },
  { name: 'debug-keys', description: 'Send debug keys to Xen', usage: '<Keys>', modifies: true },
  {
    name: 'dmesg',
    description: 'Read and/or clear dmesg buffer',
    usage: '[-c]',
    modifies: false,
    options: '  -c                        Clear dmesg buffer as well as printing it',
  },
];

/** xl's help(): the full list without a command, one command's usage otherwise (on stdout). */
function help(io: ToolOutput, command?: SubCommand): void {
  if (command === undefined) {
    io.out('Usage xl [-vfNtT] <subcommand> [args]\n\nxl full list of subcommands:\n\n');
    for (const c of SUBCOMMANDS) io.out(` ${padBytes(c.name, 19)} ${c.description}\n`);
    return;
  }
  io.out(`Usage: xl [-v${command.modifies ? 'f' : ''}] ${command.name} ${command.usage}\n\n${command.description}.\n\n`);
  if (command.options) io.out(`Options:\n\n${command.options}\n`);
}

const infoLine = (label: string, value: string | number): string => `${padBytes(label, 23)}: ${value}\n`;

async function info(host: SimHost, io: ToolOutput): Promise<number> {
  const version = await host.version();
  const state = await host.snapshot();
  const lines: Array<[string, string | number]> = [
    ['host', 'xlp-sim'],
    ['release', '6.1.0-xlp-sim'],
    ['version', '#1 SMP PREEMPT_DYNAMIC'],
    ['machine', 'x86_64'],
    ['nr_cpus', 2],
    ['max_cpu_id', 1],
    ['nr_nodes', 1],
    ['cores_per_socket', 2],
    ['threads_per_core', 1],
    ['cpu_mhz', '2399.998'],
    ['virt_caps', 'pv hvm hap shadow'],
    ['total_memory', 2047],
    ['free_memory', 1018],
    ['sharing_freed_memory', 0],
    ['sharing_used_memory', 0],
    ['outstanding_claims', 0],
    ['free_cpus', 0],
    ['xen_major', version.major],
    ['xen_minor', version.minor],
    ['xen_extra', version.extra],
    ['xen_version', version.text],
    ['xen_caps', 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64'],
    ['xen_scheduler', 'credit2'],
    ['xen_pagesize', 4096],
    ['platform_params', 'virt_start=0xffff800000000000'],
    ['xen_changeset', ''],
    ['xen_commandline', 'console=com1 dom0_mem=1024M'],
    ['cc_compiler', 'gcc (Debian 12.2.0-14) 12.2.0'],
    ['cc_compile_by', 'xlp'],
    ['cc_compile_domain', 'sim'],
    ['cc_compile_date', 'Thu Jan  1 00:00:00 UTC 2026'],
    ['build_id', state.xenBuildId],
    ['xend_config_format', 4],
  ];
  io.out(lines.map(([label, value]) => infoLine(label, value)).join(''));
  return 0;
}

/**
 * Runs the fake xl. `argv` excludes the program name; the state file comes from env.XLP_SIM_STATE
 * (else the default path).
 */
export async function runFakeXl(argv: readonly string[], env: SimEnv = process.env): Promise<FakeResult> {
  const host = new SimHost(resolveStatePath(undefined, env), env);
  const io = new ToolOutput();
  const [name, ...args] = argv;
  if (name === undefined) {
    help(io);
    return io.finish(1);
  }
  const command = SUBCOMMANDS.find((c) => c.name === name);
  if (name === 'help') {
    help(io, SUBCOMMANDS.find((c) => c.name === args[0]));
    return io.finish(0);
  }
  if (command === undefined) {
    io.err('command not implemented\n');
    return io.finish(1);
  }
  const badOption = args.find((a) => a.startsWith('-') && !(name === 'info' && (a === '-n' || a === '--numa')) && !(name === 'dmesg' && a === '-c'));
  if (badOption !== undefined) {
    // getopt_long's complaint, then the command's usage.
    io.err(badOption.startsWith('--') ? `xl: unrecognized option '${badOption}'\n` : `xl: invalid option -- '${badOption.charAt(1)}'\n`);
    help(io, command);
    return io.finish(2);
  }
  switch (command.name) {
    case 'info':
      return io.finish(await info(host, io));
    case 'dmesg': {
      const lines = await host.readConsole(args.includes('-c'));
      io.out(lines.map((line) => `${line}\n`).join(''));
      return io.finish(0);
    }
    default: {
      const keys = args[0];
      if (keys === undefined) {
        io.err(`'xl ${command.name}' requires at least 1 argument.\n\n`);
        help(io, command);
        return io.finish(2);
      }
      await host.debugKeys(keys);
      return io.finish(0);
    }
  }
}
