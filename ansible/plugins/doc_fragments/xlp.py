# -*- coding: utf-8 -*-
# Copyright: xlp contributors
# MIT License (see LICENSE in the xlp repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options every xlp.livepatch module takes: how to find xlp and how xlp reaches the hypervisor.
    DOCUMENTATION = r'''
options:
  xlp:
    description:
      - The xlp program, a path or a name looked up in C(PATH).
      - On the controller placement, the controller's xlp.
    type: str
    default: xlp
  host:
    description:
      - Drive a remote dom0 over ssh with xlp's own C(--host) (C([user@]host[:port])).
      - For dom0s without Node.js; run the task on the controller with C(delegate_to=localhost).
      - Leave it out to manage the hypervisor of the machine the module runs on.
    type: str
  ssh_config:
    description: An ssh client configuration file for I(host) (xlp C(--ssh-config)).
    type: path
  backend:
    description:
      - How xlp reaches the hypervisor (xlp C(--backend)); C(sim) is xlp's simulated host, for rehearsals and tests.
      - Default is xlp's own (its configuration, then C(xen-livepatch)).
    type: str
    choices: [xen-livepatch, sim]
  sim_state:
    description: State file of the simulated host, with I(backend=sim) (xlp C(--sim-state)).
    type: path
  xen_livepatch:
    description: Path of the C(xen-livepatch) program on the dom0 (xlp C(--xen-livepatch)).
    type: str
  xl:
    description: Path of the C(xl) program on the dom0 (xlp C(--xl)).
    type: str
  audit_log:
    description:
      - xlp's audit journal (xlp C(--audit-log)); default is xlp's own (C(/var/lib/xlp/audit.jsonl) for root).
      - With I(host), the journal is kept on the machine running xlp, the controller.
    type: path
  timeout:
    description: Seconds to wait for a busy hypervisor or an unfinished action (xlp C(--timeout)).
    type: int
  lock_timeout:
    description: Seconds to wait for another xlp changing the same host (xlp C(--lock-timeout)).
    type: int
notes:
  - The module runs C(xlp ... --json) with an argument list and maps its result; xlp does the work,
    journals each change and takes the host lock.
  - A failure returns xlp's message as C(msg), its exit code as C(rc) and its error code as C(error_code)
    (see xlp's docs/exit-codes.md).
  - Other xlp settings (the signature policy, directories) come from xlp's configuration files or the
    task's C(environment) (for example C(XLP_REQUIRE_SIGNATURE)).
requirements:
  - xlp on the machine the module runs on (Node.js 20 or later).
'''
