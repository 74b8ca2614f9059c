/**
 * Parsing of the `--host` destination. Strict on purpose: the parts end up as ssh arguments, and a value
 * that starts with '-' or carries shell or whitespace characters must never get that far.
 */
import { usageError } from '../../errors.js';

export interface SshDestination {
  readonly user?: string;
  /** A host name, ssh config alias, IPv4 address or bare IPv6 address (no brackets). */
  readonly host: string;
  readonly port?: number;
}

const USAGE = 'use [user@]host[:port] or [user@][ipv6-address]:port, e.g. root@dom0.example.org:2222';
const USER = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const HOST = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
/** User input shown in a one-line message: JSON quoting makes newlines and control characters visible. */
const shown = (text: string): string => JSON.stringify(text);

function parsePort(text: string, destination: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`invalid ssh port ${shown(text)} in ${shown(destination)}`, 'the port must be 1-65535');
  return port;
}

function splitHostPort(rest: string, destination: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    const address = bracketed[1] ?? '';
    if (!IPV6.test(address) || !address.includes(':')) throw usageError(`invalid IPv6 address ${shown(`[${address}]`)} in ${shown(destination)}`, USAGE);
    return { host: address, ...(bracketed[2] === undefined ? {} : { port: parsePort(bracketed[2], destination) }) };
  }
  const colon = rest.lastIndexOf(':');
  if (colon === -1) return { host: rest };
  if (rest.indexOf(':') !== colon) throw usageError(`ambiguous destination ${shown(destination)}`, `write an IPv6 address in brackets: ${USAGE}`);
  return { host: rest.slice(0, colon), port: parsePort(rest.slice(colon + 1), destination) };
}

/** Parses `[user@]host[:port]` or `[user@][v6addr]:port`; anything else is a usage error. */
export function parseDestination(destination: string): SshDestination {
  const at = destination.lastIndexOf('@');
  const user = at === -1 ? undefined : destination.slice(0, at);
  if (user !== undefined && !USER.test(user)) throw usageError(`invalid ssh user ${shown(user)} in ${shown(destination)}`, USAGE);
  const { host, port } = splitHostPort(destination.slice(at + 1), destination);
  if (!host.includes(':') && !HOST.test(host)) throw usageError(`invalid ssh host ${shown(host)} in ${shown(destination)}`, USAGE);
  return { ...(user === undefined ? {} : { user }), host, ...(port === undefined ? {} : { port }) };
}

/** The canonical text of a destination, as used in messages. */
export function formatDestination({ user, host, port }: SshDestination): string {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `${user === undefined ? '' : `${user}@`}${hostPart}${port === undefined ? '' : `:${port}`}`;
}
