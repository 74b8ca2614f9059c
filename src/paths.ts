/**
 * Where xlp keeps its files. Root (the production case on a dom0) uses system directories; other
 * users get XDG directories. The simulated host never shares a file with the real one: its state,
 * xlp's records of it, its host locks, its journal and its staging copies live under a sim root of
 * their own. Every environment value naming a directory is checked before anything is done with it;
 * every directory xlp creates is private (0700) and checked, never trusted.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { usageError } from './errors.js';

export const isRoot = (): boolean => process.getuid?.() === 0;

type Env = Readonly<Record<string, string | undefined>>;

/** Control characters: never part of a usable path or name. */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\x00-\x1f\x7f]/;

/** A path from the environment or a flag: absolute, without control characters, normalised. */
export function checkedPath(value: string, source: string, what = 'an absolute path'): string {
  if (value === '' || !isAbsolute(value) || CONTROL.test(value)) {
    throw usageError(`${source}=${JSON.stringify(value)} is not usable: it must be ${what} without control characters`, `set ${source} to ${what}, or unset it for the default`);
  }
  return normalize(value);
}

/** An XLP_* directory setting: undefined when unset; an empty or relative value is refused, never guessed at. */
function setting(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined ? undefined : checkedPath(value, name);
}

/** XDG says relative values are invalid and must be ignored. */
function xdg(env: Env, variable: string, fallback: string): string {
  const value = env[variable];
  return value !== undefined && isAbsolute(value) && !CONTROL.test(value) ? value : join(homedir(), fallback);
}

/** Durable data: xlp's record of uploaded payloads. */
export function dataDir(env: Env = process.env): string {
  return setting(env, 'XLP_DATA_DIR') ?? (isRoot() ? '/var/lib/xlp' : join(xdg(env, 'XDG_DATA_HOME', '.local/share'), 'xlp'));
}

/** Journals and host locks. */
export function stateDir(env: Env = process.env): string {
  return setting(env, 'XLP_STATE_DIR') ?? (isRoot() ? '/var/lib/xlp' : join(xdg(env, 'XDG_STATE_HOME', '.local/state'), 'xlp'));
}

/** Short-lived private files: staged payload copies, ssh control sockets. Never /tmp. */
export function runtimeDir(env: Env = process.env): string {
  const explicit = setting(env, 'XLP_RUNTIME_DIR');
  if (explicit !== undefined) return explicit;
  if (isRoot()) return '/run/xlp';
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime !== undefined && isAbsolute(runtime) && !CONTROL.test(runtime) ? join(runtime, 'xlp') : join(stateDir(env), 'run');
}

/** The system's configuration: fixed, so that nothing in the environment can move (and weaken) its policy. */
export const SYSTEM_CONFIG_DIR = '/etc/xlp';

/** Configuration, lowest precedence first: system, then user. */
export function configDirs(env: Env = process.env): [string, string] {
  return [SYSTEM_CONFIG_DIR, setting(env, 'XLP_CONFIG_DIR') ?? join(xdg(env, 'XDG_CONFIG_HOME', '.config'), 'xlp')];
}

/** The simulated host's own directory: XLP_SIM_ROOT, else the directory of an explicit state file, else a default beside (never inside) the real one. */
export function simRoot(simState: string | undefined, env: Env = process.env): string {
  const root = setting(env, 'XLP_SIM_ROOT');
  if (root !== undefined) return root;
  if (simState !== undefined) return dirname(simState);
  return isRoot() ? '/var/lib/xlp-sim' : join(xdg(env, 'XDG_STATE_HOME', '.local/state'), 'xlp-sim');
}

/** Every file and directory one run uses, resolved (and checked) once, before anything is done. */
export interface Places {
  readonly journal: string;
  readonly locks: string;
  readonly records: string;
  readonly runtime: string;
  /** xlp's own directory on this machine, where it keeps files on the host it runs on (payloads a sync left, what boot re-applies). */
  readonly kept: string;
  /**
   * The proc files of the host boot judges (cmdline, stat): /proc, or the simulated host's own
   * (SIMROOT/proc, written by `xlp sim reset`, a new boot each time).
   */
  readonly proc: string;
  /** The simulator's state file, with --backend sim. */
  readonly simState?: string;
}

export interface PlaceOptions {
  readonly sim: boolean;
  /** --sim-state (the flag wins over XLP_SIM_STATE). */
  readonly simState?: string;
  /** The journal, when a setting names it (--audit-log, XLP_AUDIT_LOG or the config: src/config/). */
  readonly auditLog?: string;
}

/** A file named by a flag or its environment variable: relative paths are the operator's choice, resolved against the working directory once. */
function fileSetting(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (value === '') throw usageError(`${flag} is empty`, `give ${flag} FILE, or leave it (and its environment variable) unset for the default`);
  return checkedPath(resolve(value), flag, 'a file path');
}

/** The directory settings, each checked whether this run uses it or not: a bad one is a mistake to report now. */
const DIRECTORY_SETTINGS = ['XLP_DATA_DIR', 'XLP_STATE_DIR', 'XLP_RUNTIME_DIR', 'XLP_CONFIG_DIR', 'XLP_SIM_ROOT'] as const;

export function placesFor(options: PlaceOptions, env: Env = process.env): Places {
  for (const name of DIRECTORY_SETTINGS) setting(env, name);
  const journal = fileSetting(options.auditLog, '--audit-log');
  if (!options.sim) {
    const state = stateDir(env);
    return { journal: journal ?? join(state, 'audit.jsonl'), locks: join(state, 'locks'), records: join(dataDir(env), 'hosts'), runtime: runtimeDir(env), kept: dataDir(env), proc: '/proc' };
  }
  const simState = fileSetting(options.simState ?? env.XLP_SIM_STATE, '--sim-state');
  const root = simRoot(simState, env);
  return {
    journal: journal ?? join(root, 'audit.jsonl'),
    locks: join(root, 'locks'),
    records: join(root, 'hosts'),
    runtime: join(root, 'run'),
    kept: root,
    proc: join(root, 'proc'),
    simState: simState ?? join(root, 'state.json'),
  };
}
