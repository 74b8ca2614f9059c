/**
 * Where xlp keeps its files. Root (the production case on a dom0) uses system directories; other
 * users get XDG directories. Every directory xlp creates is private (0700) and checked, never trusted.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const isRoot = (): boolean => process.getuid?.() === 0;

const xdg = (variable: string, fallback: string): string => {
  const value = process.env[variable];
  // XDG says relative values are invalid and must be ignored.
  return value !== undefined && value.startsWith('/') ? value : join(homedir(), fallback);
};

/** Durable data: the sim's state, xlp's record of uploaded payloads. */
export function dataDir(): string {
  return process.env.XLP_DATA_DIR ?? (isRoot() ? '/var/lib/xlp' : join(xdg('XDG_DATA_HOME', '.local/share'), 'xlp'));
}

/** Logs and journals. */
export function stateDir(): string {
  return process.env.XLP_STATE_DIR ?? (isRoot() ? '/var/lib/xlp' : join(xdg('XDG_STATE_HOME', '.local/state'), 'xlp'));
}

/** Short-lived private files: staged payload copies, ssh control sockets. Never /tmp. */
export function runtimeDir(): string {
  if (process.env.XLP_RUNTIME_DIR !== undefined) return process.env.XLP_RUNTIME_DIR;
  if (isRoot()) return '/run/xlp';
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime !== undefined && runtime.startsWith('/') ? join(runtime, 'xlp') : join(stateDir(), 'run');
}

/** Configuration, lowest precedence first: system, then user. */
export function configDirs(): string[] {
  const user = process.env.XLP_CONFIG_DIR ?? join(xdg('XDG_CONFIG_HOME', '.config'), 'xlp');
  return ['/etc/xlp', user];
}
