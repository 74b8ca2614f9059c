import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import * as Flags from '@oclif/core/flags';
import { fileArg } from '../cli/args.js';
import { BaseCommand } from '../cli/base-command.js';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { ExitCode, XlpError } from '../src/errors.js';
import { readPayloadFile } from '../src/payload/read-file.js';
import { SIGNATURE_NAMESPACE, signBytes } from '../src/verify/signature.js';

export interface SignResult {
  readonly file: string;
  readonly signature: string;
  readonly sha256: string;
  readonly namespace: string;
}

export default class Sign extends BaseCommand {
  static override summary = 'Sign a payload file with an OpenSSH key (writes FILE.sig).';
  static override description = `Wraps ssh-keygen -Y sign -n ${SIGNATURE_NAMESPACE}, over exactly the bytes xlp read and checked, so any key ssh-keygen can use works: a private key file, or a public key whose private half is in ssh-agent or on a FIDO security key (touch it when asked). Hosts verify with an allowed_signers file (see docs/verification.md). A payload Xen would refuse is not signed.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %> ./xsa-466.livepatch --key ~/.ssh/id_ed25519', '<%= config.bin %> <%= command.id %> ./xsa-466.livepatch --key ~/.ssh/id_ed25519_sk.pub --output /srv/payloads/xsa-466.livepatch.sig'];
  static override args = { file: fileArg };
  static override flags = {
    key: Flags.string({ required: true, summary: 'ssh-keygen -f argument: a private key, or a public key held by ssh-agent or a security key.' }),
    output: Flags.string({ summary: 'Where to write the signature (default FILE.sig).' }),
    force: Flags.boolean({ summary: 'Replace an existing signature file.' }),
  };

  async run(): Promise<SignResult> {
    const { args, flags } = await this.parse(Sign);
    const { bytes, info } = await readPayloadFile(args.file);
    const problem = info.problems[0];
    if (problem !== undefined) {
      throw new XlpError('invalid-payload', ExitCode.INVALID_PAYLOAD, `${args.file}: Xen would refuse it: ${problem.message}; not signing it`, {
        hint: `see xlp inspect ${args.file}`,
        errno: problem.errno,
      });
    }
    const armored = await signBytes({ bytes, key: flags.key });
    const output = flags.output ?? `${args.file}.sig`;
    await writeSignature(output, armored, flags.force);
    this.log(`${args.file}: signed (sha256 ${info.sha256}), signature in ${output}`);
    return { file: args.file, signature: output, sha256: info.sha256, namespace: SIGNATURE_NAMESPACE };
  }
}

/** A new file, or with --force an atomic replacement; never a write through a planted symlink. */
async function writeSignature(path: string, armored: string, force: boolean): Promise<void> {
  const target = force ? `${path}.${process.pid}.tmp` : path;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(target, flags, 0o644).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'EEXIST' ? 'it already exists (--force replaces it)' : (error.code ?? error.message);
    throw new XlpError('sign-failed', ExitCode.FAILED, `cannot write the signature ${target}: ${why}`, { hint: 'choose another --output, or --force' });
  });
  try {
    await handle.writeFile(armored);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (force) await rename(target, path).catch(async (error: unknown) => {
    await rm(target, { force: true });
    throw error;
  });
}
