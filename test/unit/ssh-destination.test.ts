import { describe, expect, it } from 'vitest';
import { ExitCode, XlpError } from '../../src/errors.js';
import { formatDestination, parseDestination } from '../../src/host/ssh/destination.js';
import { createSshRunner } from '../../src/host/ssh/ssh-runner.js';

function usageErrorOf(run: () => unknown): XlpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(XlpError);
    expect((error as XlpError).exitCode).toBe(ExitCode.USAGE);
    expect((error as XlpError).message).not.toContain('\n');
    return error as XlpError;
  }
  throw new Error('expected a usage error');
}

describe('parseDestination', () => {
  it.each([
    ['dom0', { host: 'dom0' }],
    ['root@dom0.example.org', { user: 'root', host: 'dom0.example.org' }],
    ['root@10.1.2.3:2222', { user: 'root', host: '10.1.2.3', port: 2222 }],
    ['admin_1@host-a:1', { user: 'admin_1', host: 'host-a', port: 1 }],
    ['[::1]:22', { host: '::1', port: 22 }],
    ['root@[fe80::1%eth0]:65535', { user: 'root', host: 'fe80::1%eth0', port: 65535 }],
    ['root@[2001:db8::7]', { user: 'root', host: '2001:db8::7' }],
    ['prod_dom0', { host: 'prod_dom0' }],
  ])('accepts %s', (text, expected) => {
    expect(parseDestination(text)).toEqual(expected);
    expect(formatDestination(parseDestination(text))).toBe(text);
  });

  it.each([
    ['', 'host'],
    ['-oProxyCommand=sh', 'host'],
    ['root@-oProxyCommand=sh', 'host'],
    ['-l@host', 'user'],
    ['root@host name', 'host'],
    ['root@host;reboot', 'host'],
    ['root@$(id)', 'host'],
    ['ro`id`ot@host', 'user'],
    ['root@host\n', 'host'],
    ['root@host:0', 'port'],
    ['root@host:65536', 'port'],
    ['root@host:22x', 'port'],
    ['root@host:', 'port'],
    ['root@::1', 'ambiguous'],
    ['root@[not-v6]:22', 'IPv6'],
    ['root@[::1]:22:1', 'port'],
    ['@host', 'user'],
    ['a@b@host', 'user'],
  ])('rejects %j', (text, what) => {
    expect(usageErrorOf(() => parseDestination(text)).message).toContain(what);
  });
});

describe('createSshRunner options', () => {
  it('rejects ssh options that are not Key=Value', () => {
    usageErrorOf(() => createSshRunner('dom0', { controlDirBase: '/nonexistent', extraOptions: ['-oProxyCommand=x'] }));
    usageErrorOf(() => createSshRunner('dom0', { controlDirBase: '/nonexistent', extraOptions: ['Key=a\nb'] }));
  });

  it('rejects a connect timeout that is not whole seconds in range', () => {
    for (const timeout of [0, -1, 1.5, 3601]) usageErrorOf(() => createSshRunner('dom0', { controlDirBase: '/nonexistent', connectTimeoutSeconds: timeout }));
  });

  it('names the destination canonically as its target', () => {
    expect(createSshRunner('root@[::1]:2222', { controlDirBase: '/nonexistent' }).target).toBe('root@[::1]:2222');
  });
});
