/**
 * Turns what the OpenSSH client printed when it failed (exit 255) into an XlpError that says it was ssh,
 * not the remote tool, that failed, and what to do about it. The patterns are the client's own messages.
 */
import { ExitCode, XlpError } from '../../errors.js';

interface SshFailureClass {
  readonly code: string;
  readonly pattern: RegExp;
  readonly what: string;
  readonly hint: string;
}

const CLASSES: readonly SshFailureClass[] = [
  {
    code: 'ssh-host-key-changed',
    pattern: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/,
    what: 'the host key has changed since it was recorded in known_hosts',
    hint: 'verify the new key out of band (it may be an attack); if it is legitimate, remove the old one with ssh-keygen -R HOST',
  },
  {
    code: 'ssh-host-key-unknown',
    pattern: /Host key verification failed|No \S+ host key is known/,
    what: 'the host key is not in known_hosts',
    hint: 'xlp never prompts to accept a key: verify its fingerprint out of band, then add it to known_hosts',
  },
  {
    code: 'ssh-auth',
    pattern: /Permission denied \(|Too many authentication failures|no matching host key type|Authentication failed/,
    what: 'authentication was refused',
    hint: 'xlp never prompts: load the key into ssh-agent or set IdentityFile (and User) in the ssh config for this host',
  },
  {
    code: 'ssh-dns',
    pattern: /Could not resolve hostname|Name or service not known|Temporary failure in name resolution|No address associated/,
    what: 'the host name does not resolve',
    hint: 'check the host name, or define it as a Host alias in the ssh config',
  },
  {
    code: 'ssh-refused',
    pattern: /Connection refused/,
    what: 'the connection was refused',
    hint: 'check that sshd runs on the host and listens on that port',
  },
  {
    code: 'ssh-timeout',
    pattern: /timed out|Operation timed out|Connection timeout/i,
    what: 'the host did not answer in time',
    hint: 'check that the host is up and reachable; raise the connect timeout for slow links',
  },
  {
    code: 'ssh-unreachable',
    pattern: /No route to host|Network is unreachable|Host is unreachable/,
    what: 'the host is unreachable',
    hint: 'check the address, the routes and any firewall between here and the host',
  },
  {
    code: 'ssh-closed',
    pattern: /Connection closed by|Connection reset by|kex_exchange_identification|closed by remote host|Broken pipe/,
    what: 'the connection was closed by the host',
    hint: 'check the host\'s sshd logs (MaxStartups, AllowUsers, a crashed or rebooting host)',
  },
];

/** The last non-empty line of a program's stderr, for one-line messages. */
export function lastLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.at(-1) ?? 'no error message';
}

/** True when stderr carries a message of the ssh client itself (as opposed to the remote program's). */
export function looksLikeSshFailure(stderr: string): boolean {
  return /^(ssh: |ssh_|kex_|mux_|client_loop|Control socket|muxclient|ControlSocket)/m.test(stderr)
    || CLASSES.some(({ pattern }) => pattern.test(stderr));
}

export function sshFailure(destination: string, stderr: string, exitCode: number): XlpError {
  const known = CLASSES.find(({ pattern }) => pattern.test(stderr));
  const message = known === undefined
    ? `ssh to ${destination} failed: ${lastLine(stderr)}`
    : `ssh to ${destination} failed: ${known.what}`;
  return new XlpError(known?.code ?? 'ssh-failed', ExitCode.REMOTE, message, {
    hint: known?.hint ?? 'run the same ssh command by hand with -v to see why',
    detail: { stderr, exitCode },
  });
}
