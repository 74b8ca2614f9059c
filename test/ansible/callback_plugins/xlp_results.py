# -*- coding: utf-8 -*-
# A callback for xlp's tests (not shipped): ansible-core 2.14 has no JSON stdout callback (that one is
# in ansible.posix), so this one writes every task result and the recap's counts as one JSON file,
# to the path in XLP_ANSIBLE_RESULTS, while the default callback still prints the usual output.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: xlp_results
type: aggregate
short_description: Task results and the recap as a JSON file, for xlp's tests
description: Writes the JSON file named by the environment variable XLP_ANSIBLE_RESULTS at the end of the run.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'xlp_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.results = []

    def _record(self, status, result):
        self.results.append(dict(
            host=result._host.get_name(),
            task=result._task.get_name(),
            action=result._task.action,
            status=status,
            result=result._result,
        ))

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_playbook_on_stats(self, stats):
        recap = {}
        for host in sorted(stats.processed.keys()):
            recap[host] = stats.summarize(host)
        path = os.environ['XLP_ANSIBLE_RESULTS']
        with open(path, 'w') as out:
            json.dump(dict(results=self.results, recap=recap), out, default=str)
