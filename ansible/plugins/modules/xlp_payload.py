#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlp contributors
# MIT License (see LICENSE in the xlp repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: xlp_payload
short_description: One Xen live-patch payload's state, through xlp
description:
  - For playbooks that keep no manifest. Reads the payload's state with C(xlp list --json), then runs the
    xlp commands that take it to I(state) (C(load), C(upload), C(apply), C(revert), C(unload), each with
    C(--json)); xlp verifies the file, journals each change and says whether it changed anything.
  - With a manifest, prefer M(xlp.livepatch.xlp_sync), which orders a whole stack.
version_added: 0.1.0
author: xlp contributors
options:
  name:
    description: The name the payload is loaded under (as C(xlp list) shows it).
    type: str
    required: true
  src:
    description:
      - The payload file (C(.livepatch)) on the machine running xlp.
      - Required to bring a payload that is not loaded to C(applied) or C(uploaded).
      - With I(state=applied) it is always handed to C(xlp load), which refuses other bytes under the same name.
    type: path
  sha256:
    description: The file's SHA-256 (64 lowercase hex digits); xlp refuses a file with another digest.
    type: str
  state:
    description:
      - C(applied) loaded and applied; C(uploaded) loaded and checked by Xen, not applied; C(absent) not loaded.
      - From C(applied) to C(absent) the payload is reverted, then unloaded.
    type: str
    choices: [applied, uploaded, absent]
    default: applied
  nodeps:
    description: Skip xlp's inter-payload build-id dependency check when applying (xlp C(--nodeps)).
    type: bool
    default: false
extends_documentation_fragment:
  - xlp.livepatch.xlp
attributes:
  check_mode:
    support: full
    description:
      - Each xlp command runs with C(--dry-run) (every check, nothing changed or journaled).
      - From C(applied) to C(absent) only the revert is rehearsed; the unload after it is reported in I(commands).
  diff_mode:
    support: none
seealso:
  - module: xlp.livepatch.xlp_sync
'''

EXAMPLES = r'''
- name: Apply a security payload, pinned by digest
  xlp.livepatch.xlp_payload:
    name: xsa-466
    src: /var/tmp/xsa-466.livepatch
    sha256: 9f2c0e1d8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a190817263
    state: applied

- name: Keep it loaded but not applied
  xlp.livepatch.xlp_payload:
    name: xsa-466
    state: uploaded

- name: Retire it
  xlp.livepatch.xlp_payload:
    name: xsa-466
    state: absent
'''

RETURN = r'''
name:
  description: The payload's name.
  returned: always
  type: str
state:
  description: The payload's state afterwards (in check mode, what it would be) as xlp reports it, C(APPLIED), C(CHECKED) or C(absent).
  returned: success
  type: str
  sample: APPLIED
before:
  description: The payload's state before the task, C(APPLIED), C(CHECKED) or C(absent).
  returned: always
  type: str
steps:
  description: What xlp did (or in check mode would do) to the hypervisor, in order (upload, apply, revert, unload).
  returned: success
  type: list
  elements: str
commands:
  description: The xlp commands the task ran or, in check mode, rehearsed (without the host options).
  returned: success
  type: list
  elements: list
results:
  description: Each xlp command's JSON result, in order.
  returned: success
  type: list
  elements: dict
rc:
  description: xlp's exit code, on failure.
  returned: failed
  type: int
error_code:
  description: xlp's error code, on failure.
  returned: failed
  type: str
  sample: sha256-mismatch
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlp.livepatch.plugins.module_utils.xlp_cli import (
    CHANGE, READ, XLP_COMMON_ARGS, XlpFailure, fail_with, run_xlp)


def current_state(module, name):
    listed = run_xlp(module, ['list'], READ).get('payloads', [])
    for payload in listed:
        if payload.get('name') == name:
            return payload.get('state')
    return 'absent'


def commands_for(module, before):
    """The xlp commands from `before` to the wanted state; xlp itself decides and verifies each one."""
    params = module.params
    name, src, want = params['name'], params['src'], params['state']
    pin = [] if params['sha256'] is None else ['--sha256', params['sha256']]
    nodeps = ['--nodeps'] if params['nodeps'] else []
    missing = 'src is required: %s is not loaded' % name
    if want == 'applied':
        if src is not None:
            return [['load', src, '--name', name] + pin + nodeps]
        if before == 'CHECKED':
            return [['apply', name] + nodeps]
        if before == 'APPLIED':
            return []
        module.fail_json(msg=missing, name=name, before=before, error_code='usage', rc=2)
    if want == 'uploaded':
        if before == 'APPLIED':
            return [['revert', name]]
        if src is not None:
            return [['upload', name, src] + pin]
        if before == 'CHECKED':
            return []
        module.fail_json(msg=missing, name=name, before=before, error_code='usage', rc=2)
    if before == 'APPLIED':
        return [['revert', name], ['unload', name]]
    if before == 'CHECKED':
        return [['unload', name]]
    return []


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        src=dict(type='path'),
        sha256=dict(type='str'),
        state=dict(type='str', choices=['applied', 'uploaded', 'absent'], default='applied'),
        nodeps=dict(type='bool', default=False),
    )
    argument_spec.update(XLP_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    name = module.params['name']

    results = []
    try:
        before = current_state(module, name)
    except XlpFailure as failure:
        fail_with(module, failure, name=name)
    commands = commands_for(module, before)
    state = before
    steps = []
    for number, command in enumerate(commands):
        if module.check_mode and number > 0:
            # The rehearsal of a later command would meet the state the first one has not really changed.
            steps.append(command[0])
            state = 'absent' if command[0] == 'unload' else state
            continue
        try:
            document = run_xlp(module, command + (['--dry-run'] if module.check_mode else []), CHANGE)
        except XlpFailure as failure:
            fail_with(module, failure, name=name, before=before, results=results, commands=commands[:number + 1])
        results.append(document)
        steps.extend(document.get('steps', []))
        state = document.get('state', state)

    module.exit_json(
        changed=any(r.get('result') == 'done' for r in results) or (module.check_mode and len(steps) > 0),
        name=name, before=before, state=state, steps=steps, commands=commands, results=results)


if __name__ == '__main__':
    main()
