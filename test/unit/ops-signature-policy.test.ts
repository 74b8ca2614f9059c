/**
 * The signature policy at apply and replace, in-process (the ops harness: scripted tool runs, an
 * in-memory journal and record): under a requirement, only a payload whose signature xlp verified
 * when it uploaded it is applied; --no-require-signature lets another through, journaled; bytes xlp
 * did not upload need --accept-unverified as well.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { changePayload } from '../../src/ops/operations.js';
import { parsePayload } from '../../src/payload/parse.js';
import { NO_POLICY, waiverText, type SignaturePolicy } from '../../src/verify/policy.js';
import { emptyRecord, type HostRecord } from '../../src/verify/store.js';
import { caught } from '../helpers/caught.js';
import { HOST, XEN, consoleDump, harness, listOutput, type Harness } from '../helpers/ops-harness.js';
import { buildPayload } from '../helpers/payloads.js';
import { G2, out } from '../helpers/xen-outputs.js';

const REQUIRED: SignaturePolicy = { ...NO_POLICY, required: true, requiredBy: '/etc/xlp/config.json' };
const WAIVED: SignaturePolicy = { ...NO_POLICY, waiver: waiverText('/etc/xlp/config.json') };
const checked = { name: 'sp', state: 'CHECKED' as const, rc: 0, metadata: [] };

let sha256: string;
let buildId: string;
beforeAll(async () => {
  const info = parsePayload(await readFile(await buildPayload({ id: 'sp', returns: '-sp' })));
  sha256 = info.sha256;
  buildId = info.buildId as string;
}, 60_000);

/** A host where `sp` is loaded CHECKED: uploaded by xlp (with or without a verified signer), or behind its back. */
function host(uploadedBy: 'xlp' | 'raw', signer?: string): Harness {
  const record: HostRecord =
    uploadedBy === 'raw' ? emptyRecord(HOST) : { ...emptyRecord(HOST), xenBuildId: XEN, payloads: { sp: { sha256, size: 1, buildId, depends: XEN, hooks: [], ...(signer === undefined ? {} : { signer }), uploadedAt: '' } }, applied: [] };
  const h = harness(record);
  h.runner.reply('xen-livepatch list', listOutput([checked]));
  h.runner.reply('xl debug-keys x', out(''));
  h.runner.reply('xl dmesg', consoleDump([{ name: 'sp', state: 'CHECKED', buildId, depends: XEN }]));
  h.runner.reply('xen-livepatch apply sp', G2.done('apply', 'sp'));
  return h;
}

async function apply(h: Harness, policy: SignaturePolicy, acceptUnverified = false) {
  const session = await h.open();
  try {
    return await changePayload(session, 'apply', { name: 'sp', policy, acceptUnverified });
  } finally {
    await session.close();
  }
}

const intent = (h: Harness) => {
  const first = h.journal.records[0];
  return first?.type === 'intent' ? first.intent : undefined;
};
const applied = (h: Harness) => h.runner.calls.includes('xen-livepatch apply sp');

describe('apply under a signature requirement', () => {
  it('applies a payload whose signature xlp verified at upload, and journals the signer', async () => {
    const h = host('xlp', 'release@example.org');
    const result = await apply(h, REQUIRED);
    expect(result.checks?.passed).toContain('signature by release@example.org, verified when xlp uploaded it (required by /etc/xlp/config.json)');
    expect(intent(h)).toMatchObject({ signer: 'release@example.org' });
    expect(intent(h)?.skippedChecks).toBeUndefined();
  });

  it('refuses one xlp uploaded without a verified signature (exit 8), before the hypervisor is asked', async () => {
    const h = host('xlp');
    const error = await caught(apply(h, REQUIRED));
    expect([error.code, error.exitCode]).toEqual(['signature-unverified', ExitCode.INVALID_PAYLOAD]);
    expect(error.message).toBe('sp has no verified signature: xlp uploaded it without verifying a signature (signatures are required by /etc/xlp/config.json)');
    expect(error.hint).toContain('--no-require-signature');
    expect(applied(h)).toBe(false);
    expect(h.journal.records).toEqual([]);
  });

  it('refuses one signed by another than the required signer', async () => {
    const error = await caught(apply(host('xlp', 'dev@example.org'), { ...REQUIRED, signer: 'release@example.org' }));
    expect(error.message).toBe('sp has no verified signature: it was signed by dev@example.org, not by the required signer release@example.org (signatures are required by /etc/xlp/config.json)');
  });

  it('applies it once --no-require-signature waived the requirement, journaling the waiver', async () => {
    const h = host('xlp');
    await apply(h, WAIVED);
    expect(applied(h)).toBe(true);
    expect(intent(h)?.skippedChecks).toEqual(['signature (required by /etc/xlp/config.json, waived by --no-require-signature)']);
  });

  it('journals no waiver where the payload was signed anyway', async () => {
    const h = host('xlp', 'release@example.org');
    await apply(h, WAIVED);
    expect(intent(h)?.skippedChecks).toBeUndefined();
  });

  it('needs both overrides for bytes xlp did not upload: --accept-unverified alone is not a signature waiver', async () => {
    const unverified = await caught(apply(host('raw'), REQUIRED));
    expect(unverified.exitCode).toBe(ExitCode.UNVERIFIED);
    expect(unverified.hint).toBe('unload it and load the payload file with xlp, or pass --accept-unverified and --no-require-signature (signatures are required by /etc/xlp/config.json) to apply it anyway (journaled)');

    const accepted = host('raw');
    const unsigned = await caught(apply(accepted, REQUIRED, true));
    expect([unsigned.code, unsigned.exitCode]).toEqual(['signature-unverified', ExitCode.INVALID_PAYLOAD]);
    expect(applied(accepted)).toBe(false);

    const both = host('raw');
    await apply(both, WAIVED, true);
    expect(applied(both)).toBe(true);
    expect(intent(both)?.skippedChecks).toEqual(['--accept-unverified: apply of sp, whose bytes xlp did not upload', 'signature (required by /etc/xlp/config.json, waived by --no-require-signature)']);
  });

  it('asks nothing of signatures when none is required', async () => {
    const h = host('xlp');
    await apply(h, NO_POLICY);
    expect(applied(h)).toBe(true);
    expect(intent(h)?.skippedChecks).toBeUndefined();
  });
});
