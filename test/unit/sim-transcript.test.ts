/**
 * The fake xen-livepatch against the real tool: every xen-livepatch command of a session recorded on
 * a real Xen 4.17.7 (QEMU, hypervisor build-id 151b373f…), replayed in order on a simulated 4.17.7
 * with the same build-id and the same kinds of payloads. Each command's stdout, stderr, exit status
 * and the hypervisor console lines it caused must match the recording byte for byte. The expected
 * texts are the real tool's output, copied from that recording; the payload files lived in /tmp on
 * the real host and live in a private directory here, so only that directory is substituted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSimState } from '../../src/host/sim/admin.js';
import { runFakeXenLivepatch } from '../../src/host/sim/fake-xen-livepatch.js';
import { runFakeXl } from '../../src/host/sim/fake-xl.js';
import { simSandbox, transcriptPayloads, type SimSandbox } from '../helpers/sim-host.js';
import { RECORDED, TRANSCRIPT_BUILD_ID, TRANSCRIPT_XEN_VERSION } from '../helpers/sim-transcript.js';

let box: SimSandbox;

beforeAll(async () => {
  box = await simSandbox(TRANSCRIPT_XEN_VERSION, TRANSCRIPT_BUILD_ID);
  await transcriptPayloads(box.dir);
}, 120_000);

afterAll(() => box.remove());

const local = (text: string): string => text.replaceAll('/tmp/', `${box.dir}/`);

describe('the fake xen-livepatch replays the real Xen 4.17.7 session', () => {
  it('reports the identity `xl info` showed', async () => {
    const { stdout, exitCode } = await runFakeXl(['info'], box.env());
    const grep = stdout.split('\n').filter((line) => /^(xen_version|xen_extra|xen_changeset|build_id)/.test(line));
    expect(exitCode).toBe(0);
    expect(grep.join('\n')).toBe(
      'xen_extra              : .7\nxen_version            : 4.17.7\nxen_changeset          : \nbuild_id               : 151b373fd64b321593bf987fd923cd10dabadac4',
    );
  });

  it('matches every command, in order', async () => {
    for (const [index, step] of RECORDED.entries()) {
      const consoleBefore = (await readSimState(box.statePath, box.env())).console.length;
      const result = await runFakeXenLivepatch(step.argv.map(local), box.env());
      const consoleAfter = (await readSimState(box.statePath, box.env())).console.slice(consoleBefore);
      const what = `command ${index + 1}: xen-livepatch ${step.argv.join(' ')}`;
      expect({ what, stdout: result.stdout, stderr: result.stderr, exit: result.exitCode, console: consoleAfter }).toEqual({
        what,
        stdout: local(step.stdout),
        stderr: step.stderr,
        exit: step.exit,
        console: step.console,
      });
    }
  });
});
