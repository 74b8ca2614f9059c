/** The manifest's entry for the hypervisor a host runs; a build it does not list is refused (exit 15). */
import { ExitCode, XlpError } from '../../errors.js';
import type { DesiredHypervisor, DesiredPresent, Manifest } from '../../model/desired.js';

export function entryFor(manifest: Manifest, xenBuildId: string, host: string): DesiredHypervisor {
  const entry = manifest.hypervisors.find((h) => h.buildId === xenBuildId);
  if (entry !== undefined) return entry;
  const listed = manifest.hypervisors.map((h) => h.buildId).join(', ') || 'none';
  return unlisted(manifest.path, xenBuildId, host, listed);
}

function unlisted(path: string, xenBuildId: string, host: string, listed: string): never {
  throw new XlpError('unlisted-build', ExitCode.UNLISTED_BUILD, `${path} lists nothing for hypervisor build-id ${xenBuildId}, which ${host} runs (it lists: ${listed}): nothing to do`, {
    hint: 'the host booted another Xen: add an entry with payloads built for it, or boot the hypervisor the manifest is for',
  });
}

/** The manifest's wish for a loaded payload it names, or undefined (unmanaged, or wanted absent). */
export const presentIn = (desired: DesiredHypervisor, name: string): DesiredPresent | undefined =>
  desired.payloads.find((p): p is DesiredPresent => p.name === name && p.state !== 'absent');
