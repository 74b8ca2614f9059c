#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlp contributors
# MIT License (see LICENSE in the xlp repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: xlp_info
short_description: What is live-patched on a Xen host, and what does not add up
description:
  - Runs C(xlp status --json), which is read-only (no lock, no change), and returns it for reports,
    C(when:) conditions and gates between rollout batches.
  - Each loaded payload with its state, sha256, build-id and advisories (XSA/CVE keys of its .modinfo),
    joined with xlp's audit journal; and the anomalies (payloads loaded outside xlp, payloads the journal
    expects but the hypervisor does not list, interrupted operations, a broken journal).
  - Following Ansible's convention for C(_info) modules, the result is returned, not set as
    C(ansible_facts); use C(register).
version_added: 0.1.0
author: xlp contributors
options: {}
extends_documentation_fragment:
  - xlp.livepatch.xlp
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
seealso:
  - module: xlp.livepatch.xlp_sync
'''

EXAMPLES = r'''
- name: Read the live patches
  xlp.livepatch.xlp_info:
  register: xlp

- name: Stop the rollout on a host where something does not add up
  ansible.builtin.assert:
    that:
      - xlp.anomalies | length == 0
      - "'xsa-466' in xlp.applied"
    fail_msg: "{{ xlp.anomalies | map(attribute='message') | join('; ') }}"

- name: Fetch the host's audit journal
  ansible.builtin.fetch:
    src: "{{ xlp.journal.path }}"
    dest: "audit/{{ inventory_hostname }}.jsonl"
    flat: true
'''

RETURN = r'''
host:
  description: The host, as xlp names it.
  returned: always
  type: str
payloads:
  description:
    - Each loaded payload, in the hypervisor's order, as C(xlp status --json) gives it
      (C(name), C(state) C(APPLIED) or C(CHECKED), C(sha256), C(buildId), C(advisories), C(source), C(verified),
      C(uploaded), C(applied)).
  returned: always
  type: list
  elements: dict
applied:
  description: The names of the applied payloads.
  returned: always
  type: list
  elements: str
build_ids:
  description: Each loaded payload's build-id, by name (names xlp has no record of are left out).
  returned: always
  type: dict
advisories:
  description: The XSA and CVE identifiers of the loaded payloads, each list sorted and unique.
  returned: always
  type: dict
  sample: {"xsa": ["466"], "cve": ["CVE-2024-45818"]}
anomalies:
  description: What does not add up (C(kind), C(name), C(message)); empty when all is well.
  returned: always
  type: list
  elements: dict
journal:
  description: The audit journal (C(path), C(exists), C(records)), on the machine running xlp.
  returned: always
  type: dict
in_progress:
  description: A run changing this host right now (it holds the host lock), or null.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlp.livepatch.plugins.module_utils.xlp_cli import (
    JOURNAL, XLP_COMMON_ARGS, XlpFailure, fail_with, run_xlp)


def main():
    module = AnsibleModule(argument_spec=dict(XLP_COMMON_ARGS), supports_check_mode=True)
    try:
        status = run_xlp(module, ['status'], JOURNAL)
    except XlpFailure as failure:
        fail_with(module, failure)

    payloads = status.get('payloads', [])
    xsa = set()
    cve = set()
    for payload in payloads:
        advisories = payload.get('advisories', {})
        xsa.update(advisories.get('xsa', []))
        cve.update(advisories.get('cve', []))
    module.exit_json(
        changed=False,
        host=status.get('host'),
        payloads=payloads,
        applied=[p['name'] for p in payloads if p.get('state') == 'APPLIED'],
        build_ids=dict((p['name'], p['buildId']) for p in payloads if p.get('buildId')),
        advisories=dict(xsa=sorted(xsa), cve=sorted(cve)),
        anomalies=status.get('anomalies', []),
        journal=status.get('journal'),
        in_progress=status.get('inProgress'),
    )


if __name__ == '__main__':
    main()
