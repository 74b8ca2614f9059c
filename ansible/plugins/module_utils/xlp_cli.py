# -*- coding: utf-8 -*-
# Copyright: xlp contributors
# MIT License (see LICENSE in the xlp repository)
"""Running xlp from a module: the shared options, the argument list, and the mapping of its JSON.

Every module runs ``xlp ... --json`` with an argument list (never a shell string) and maps the one
JSON document xlp prints: a result, or ``{"schemaVersion": 1, "error": {code, exitCode, message,
hint}}``. xlp decides everything; these modules only translate between Ansible and xlp.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# The options every module takes: how to find xlp and how xlp reaches the hypervisor.
XLP_COMMON_ARGS = dict(
    xlp=dict(type='str', default='xlp'),
    host=dict(type='str'),
    ssh_config=dict(type='path'),
    backend=dict(type='str', choices=['xen-livepatch', 'sim']),
    sim_state=dict(type='path'),
    xen_livepatch=dict(type='str'),
    xl=dict(type='str'),
    audit_log=dict(type='path'),
    timeout=dict(type='int'),
    lock_timeout=dict(type='int'),
)

# option -> xlp flag, for the flags every command that reaches a hypervisor takes.
_HOST_FLAGS = (
    ('backend', '--backend'),
    ('host', '--host'),
    ('ssh_config', '--ssh-config'),
    ('xen_livepatch', '--xen-livepatch'),
    ('xl', '--xl'),
    ('sim_state', '--sim-state'),
)
# Only status and the changing commands keep or read the audit journal.
_JOURNAL_FLAGS = (('audit_log', '--audit-log'),)
# Only the changing commands wait for a busy hypervisor or another xlp.
_CHANGE_FLAGS = (('timeout', '--timeout'), ('lock_timeout', '--lock-timeout'))

# What each kind of xlp command accepts.
READ = 'read'          # list, plan
JOURNAL = 'journal'    # status
CHANGE = 'change'      # sync, upload, load, apply, revert, unload


class XlpFailure(Exception):
    """xlp refused or failed: the fields of its error document, for fail_json."""

    def __init__(self, result):
        super(XlpFailure, self).__init__(result['msg'])
        self.result = result


def _flags(params, table):
    args = []
    for option, flag in table:
        value = params.get(option)
        if value is not None:
            args.extend([flag, str(value)])
    return args


def xlp_argv(module, command, kind):
    """The full argument list: the xlp program, the command words, the host flags, --json."""
    params = module.params
    tables = _HOST_FLAGS
    if kind in (JOURNAL, CHANGE):
        tables = tables + _JOURNAL_FLAGS
    if kind == CHANGE:
        tables = tables + _CHANGE_FLAGS
    return [xlp_program(module)] + list(command) + _flags(params, tables) + ['--json']


def xlp_program(module):
    """The xlp binary: a path as given, or a name looked up in PATH (a clear failure when absent)."""
    program = module.params['xlp']
    found = program if '/' in program else module.get_bin_path(program)
    if found is None or not os.access(found, os.X_OK):
        module.fail_json(msg='cannot run xlp at %s: it is missing or not executable; install xlp or set the xlp option'
                         % program, rc=127, error_code='xlp-missing')
    return found


def run_xlp(module, command, kind):
    """Runs one xlp command; returns its JSON document, or raises XlpFailure with its error."""
    argv = xlp_argv(module, command, kind)
    # NO_COLOR and no terminal: JSON only. LC_ALL=C keeps the tools' messages the ones xlp parses.
    rc, stdout, stderr = module.run_command(argv, environ_update={'NO_COLOR': '1'})
    try:
        document = json.loads(stdout)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        last = (stderr or stdout or '').strip().splitlines()
        raise XlpFailure(dict(
            msg='xlp printed no JSON document (exit %d): %s' % (rc, last[-1] if last else 'no output'),
            rc=rc, error_code='no-json', cmd=argv, stdout=stdout, stderr=stderr))
    error = document.get('error')
    if isinstance(error, dict):
        raise XlpFailure(dict(
            msg=str(error.get('message', 'xlp failed')),
            rc=error.get('exitCode', rc),
            error_code=error.get('code'),
            hint=error.get('hint'),
            error=error,
            cmd=argv,
            stderr=stderr))
    if rc != 0:
        raise XlpFailure(dict(msg='xlp exited %d without an error document' % rc, rc=rc, error_code='exit',
                              cmd=argv, stdout=stdout, stderr=stderr))
    document.pop('schemaVersion', None)
    return document


def fail_with(module, failure, **extra):
    """fail_json with xlp's message, exit code and error code (and what the module did before)."""
    result = dict(failure.result)
    result.update(extra)
    module.fail_json(**result)
