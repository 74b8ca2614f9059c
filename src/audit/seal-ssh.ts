/** The ssh method of sealing: `ssh-keygen -Y sign` and `-Y verify` in the namespace xlp-audit. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runtimeDir } from '../paths.js';
import { ensurePrivateDir } from '../util/private-dir.js';
import { auditError } from './journal-errors.js';

export const SEAL_NAMESPACE = 'xlp-audit';

export async function sshSign(keyFile: string, message: string): Promise<string> {
  const { execa } = await import('execa');
  const result = await execa('ssh-keygen', ['-q', '-Y', 'sign', '-f', keyFile, '-n', SEAL_NAMESPACE], { input: message, reject: false });
  if (result.exitCode !== 0 || !result.stdout.includes('BEGIN SSH SIGNATURE')) {
    throw auditError('audit-seal', `ssh-keygen could not sign the journal head with ${keyFile}: ${result.stderr.trim() || result.shortMessage}`, 'check XLP_AUDIT_SEAL_SSH_KEY (a private key without passphrase, or one held by ssh-agent)');
  }
  return result.stdout;
}

/** ssh-keygen reads the signature and the allowed signers from files: keep them in a private directory. */
export async function sshVerify(allowedSigners: string, signature: string, message: string): Promise<boolean> {
  const base = await ensurePrivateDir(runtimeDir());
  const dir = await mkdtemp(join(base, 'seal-'));
  try {
    const signers = join(dir, 'allowed_signers');
    const sig = join(dir, 'seal.sig');
    await writeFile(signers, allowedSigners, { mode: 0o600, flag: 'wx' });
    await writeFile(sig, signature, { mode: 0o600, flag: 'wx' });
    const { execa } = await import('execa');
    const found = await execa('ssh-keygen', ['-Y', 'find-principals', '-s', sig, '-f', signers], { reject: false });
    const principal = found.exitCode === 0 ? found.stdout.split('\n')[0]?.trim() : undefined;
    if (principal === undefined || principal === '') return false;
    const verified = await execa('ssh-keygen', ['-Y', 'verify', '-f', signers, '-I', principal, '-n', SEAL_NAMESPACE, '-s', sig], { input: message, reject: false });
    return verified.exitCode === 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
