/**
 * The classes the real-sshd tests cannot produce on an isolated machine (a route that does not exist),
 * checked against the OpenSSH client's own message format ("ssh: connect to host H port P: <strerror>").
 * Every other class is produced for real in test/integration/ssh-errors.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { looksLikeSshFailure, sshFailure } from '../../src/host/ssh/ssh-errors.js';

describe('sshFailure', () => {
  it.each([
    ['ssh: connect to host 192.0.2.1 port 22: No route to host\r\n', 'ssh-unreachable'],
    ['ssh: connect to host 2001:db8::1 port 22: Network is unreachable\r\n', 'ssh-unreachable'],
    ['ssh: connect to host 192.0.2.1 port 22: Connection timed out\r\n', 'ssh-timeout'],
    ['kex_exchange_identification: Connection closed by remote host\r\nConnection closed by 192.0.2.1 port 22\r\n', 'ssh-closed'],
    ['ssh: Could not resolve hostname dom0: Temporary failure in name resolution\r\n', 'ssh-dns'],
  ])('classifies %j as %s', (stderr, code) => {
    const error = sshFailure('root@dom0', stderr, 255);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(ExitCode.REMOTE);
    expect(error.message.startsWith('ssh to root@dom0 failed: ')).toBe(true);
    expect(error.hint).toBeTruthy();
    expect(looksLikeSshFailure(stderr)).toBe(true);
  });

  it('quotes the last line ssh printed when the failure is of no known class', () => {
    const error = sshFailure('dom0', 'debug1: something\r\nBad configuration option: frobnicate\r\n', 255);
    expect(error.code).toBe('ssh-failed');
    expect(error.message).toBe('ssh to dom0 failed: Bad configuration option: frobnicate');
  });

  it('does not mistake a remote program\'s ordinary stderr for ssh\'s', () => {
    expect(looksLikeSshFailure('xen-livepatch: Error 22: Invalid argument\n')).toBe(false);
  });
});
