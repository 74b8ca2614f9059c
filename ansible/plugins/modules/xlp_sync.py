#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlp contributors
# MIT License (see LICENSE in the xlp repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: xlp_sync
short_description: Bring a Xen host's live patches to an xlp manifest
description:
  - Runs C(xlp sync -f MANIFEST --json). Every payload file is verified (sha256, signature policy) and kept
    on the host, then the plan's steps run in one xlp session, each journaled, with the manifest's health
    probes after each apply. The first failure stops the sync and xlp undoes its steps where Xen allows.
  - In check mode runs C(xlp sync -f MANIFEST --dry-run --json) instead, xlp's plan (the steps C(xlp plan)
    shows) after every check a real sync makes (the files' sha256 and signatures, the host's build-id), so a
    refusal fails the task with the code the real run would give; nothing is changed or journaled.
  - C(changed) is true only when xlp changed the hypervisor (a step done); a second run reports no change.
version_added: 0.1.0
author: xlp contributors
options:
  manifest:
    description:
      - The manifest (YAML or JSON, see xlp's docs/manifest.md), a path on the machine running xlp.
      - Its relative payload paths start at the manifest's directory.
    type: path
    required: true
  unmanaged:
    description:
      - Loaded payloads the manifest does not name; C(keep) leaves them, C(remove) reverts and unloads them.
      - Default is the manifest's C(unmanaged) key, else C(keep).
    type: str
    choices: [keep, remove]
extends_documentation_fragment:
  - xlp.livepatch.xlp
attributes:
  check_mode:
    support: full
    description: Runs xlp's plan (C(xlp sync --dry-run)) and reports what a sync would change.
  diff_mode:
    support: full
    description: Shows the steps, and each managed payload's state before and after.
seealso:
  - module: xlp.livepatch.xlp_info
  - module: xlp.livepatch.xlp_payload
'''

EXAMPLES = r'''
- name: Bring the dom0 to the site manifest (module on the dom0)
  xlp.livepatch.xlp_sync:
    manifest: /etc/xlp/site.yaml

- name: Drive a dom0 without Node.js from the controller over xlp's --host
  xlp.livepatch.xlp_sync:
    manifest: "{{ playbook_dir }}/site.yaml"
    host: "root@{{ ansible_host }}"
    audit_log: "/var/lib/xlp-fleet/{{ inventory_hostname }}/audit.jsonl"
  delegate_to: localhost

- name: Rehearse on xlp's simulated host
  xlp.livepatch.xlp_sync:
    manifest: /srv/xlp/site.yaml
    backend: sim
    sim_state: /srv/xlp/sim/state.json
    unmanaged: remove
'''

RETURN = r'''
host:
  description: The host xlp managed, as xlp names it.
  returned: success
  type: str
  sample: localhost
manifest:
  description: The manifest, as an absolute path.
  returned: success
  type: str
xen_build_id:
  description: The hypervisor's build-id, whose entry of the manifest was used.
  returned: success
  type: str
  sample: 151b373fd64b321593bf987fd923cd10dabadac4
steps:
  description:
    - The steps, in order; each with C(action) (upload, apply, revert, unload), C(name), C(why),
      and C(result) (C(done) or C(unchanged)) after a sync, or C(wouldRun) (the tool command) in check mode.
  returned: success
  type: list
  elements: dict
differences:
  description: How the host differed from the manifest before the run (C(name), C(kind), C(want), C(have)).
  returned: success
  type: list
  elements: dict
unmanaged:
  description: Loaded payloads the manifest does not name.
  returned: success
  type: list
  elements: str
rc:
  description: xlp's exit code (see xlp's docs/exit-codes.md), on failure.
  returned: failed
  type: int
  sample: 15
error_code:
  description: xlp's error code, on failure.
  returned: failed
  type: str
  sample: unlisted-build
hint:
  description: xlp's hint of what to do, on failure.
  returned: failed
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlp.livepatch.plugins.module_utils.xlp_cli import (
    CHANGE, XLP_COMMON_ARGS, XlpFailure, fail_with, run_xlp)


def step_lines(steps):
    lines = []
    for number, step in enumerate(steps, 1):
        outcome = step.get('result')
        lines.append('%d. %s %s: %s%s' % (number, step['action'], step['name'], step['why'],
                                          '' if outcome is None else ' (%s)' % outcome))
        if step.get('wouldRun'):
            lines.append('   would run: %s' % ' '.join(step['wouldRun']))
    return ''.join(line + '\n' for line in lines)


def diff_of(document):
    """The steps as text, and each differing payload's state before and after."""
    differences = document.get('differences', [])
    before = ''.join('%s: %s\n' % (d['name'], d.get('have') or 'not loaded') for d in differences)
    after = ''.join('%s: %s\n' % (d['name'], d.get('want') or 'not loaded') for d in differences)
    return [
        dict(prepared=step_lines(document.get('steps', []))),
        dict(before_header='%s (live)' % document.get('host'), after_header=document.get('manifest'),
             before=before, after=after),
    ]


def main():
    argument_spec = dict(
        manifest=dict(type='path', required=True),
        unmanaged=dict(type='str', choices=['keep', 'remove']),
    )
    argument_spec.update(XLP_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    command = ['-f', module.params['manifest']]
    if module.params['unmanaged'] is not None:
        command += ['--unmanaged', module.params['unmanaged']]
    if module.check_mode:
        command.append('--dry-run')
    try:
        document = run_xlp(module, ['sync'] + command, CHANGE)
    except XlpFailure as failure:
        fail_with(module, failure)

    steps = document.get('steps', [])
    result = dict(
        host=document.get('host'),
        manifest=document.get('manifest'),
        xen_build_id=document.get('xenBuildId'),
        steps=steps,
        differences=document.get('differences', []),
        unmanaged=document.get('unmanaged', []),
    )
    # A dry run's result says what the real run would do: done when it would change the host.
    result['changed'] = document.get('result') == 'done'
    if module._diff:
        result['diff'] = diff_of(document)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
