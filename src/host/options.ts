/**
 * The one table of the options that say where the hypervisor is: each with its flag, its
 * environment variable, its key in the config files and its help. The oclif flags
 * (cli/host-flags.ts), `xlp list`'s fast path (cli/fast-list.ts) and the settings that config files
 * can give (src/config/settings.ts) are all built from it; test/unit/host-options.test.ts fails
 * when one misses an entry.
 */
export const BACKEND_KINDS = ['xen-livepatch', 'sim'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export interface HostOptionSpec {
  /** The HostOptions field. */
  readonly key: keyof HostOptions;
  /** The flag without its dashes. */
  readonly flag: string;
  readonly env: string;
  /** Its key in the config files' "host" section (docs/schema/config.schema.json); none for the simulator's state file. */
  readonly config?: `host.${string}`;
  readonly summary: string;
  /** A closed set of values (completed by the shell), with the default first. */
  readonly values?: readonly string[];
}

export const HOST_OPTIONS = [
  {
    key: 'backend',
    flag: 'backend',
    env: 'XLP_BACKEND',
    config: 'host.backend',
    summary: "How to reach the hypervisor: the real xen-livepatch tool, or xlp's simulated Xen host.",
    values: BACKEND_KINDS,
  },
  { key: 'host', flag: 'host', env: 'XLP_HOST', config: 'host.host', summary: 'Run on this dom0 over ssh: [user@]host[:port].' },
  { key: 'sshConfig', flag: 'ssh-config', env: 'XLP_SSH_CONFIG', config: 'host.sshConfig', summary: 'ssh client configuration file for --host.' },
  { key: 'xenLivepatch', flag: 'xen-livepatch', env: 'XLP_XEN_LIVEPATCH', config: 'host.xenLivepatch', summary: 'Path of the xen-livepatch binary.' },
  { key: 'xl', flag: 'xl', env: 'XLP_XL', config: 'host.xl', summary: 'Path of the xl binary.' },
  { key: 'simState', flag: 'sim-state', env: 'XLP_SIM_STATE', summary: 'State file of the simulated host (with --backend sim).' },
] as const satisfies readonly HostOptionSpec[];

export interface HostOptions {
  readonly backend: BackendKind;
  /** An ssh destination `[user@]host[:port]`; absent for this machine. */
  readonly host?: string;
  readonly sshConfig?: string;
  /** Explicit tool paths; otherwise they are looked up (locally) or left to the remote PATH. */
  readonly xenLivepatch?: string;
  readonly xl?: string;
  readonly simState?: string;
}

export const isBackendKind = (value: string): value is BackendKind => (BACKEND_KINDS as readonly string[]).includes(value);

/** The name a host's records and messages use, known before connecting: 'sim:<state file>', the ssh destination, or 'localhost' (what each runner's target is). */
export const hostLabel = (options: HostOptions): string => (options.backend === 'sim' ? `sim:${options.simState ?? ''}` : (options.host ?? 'localhost'));
