# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)
"""
A stdout callback for the repository's tests: one JSON document with every task's result per host
and the play recap's stats, as ansible.posix's json callback prints them (ansible-core alone has no
JSON callback). Enabled with ANSIBLE_CALLBACK_PLUGINS=<this folder> ANSIBLE_STDOUT_CALLBACK=ct_results.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: ct_results
type: stdout
short_description: Print task results and stats as one JSON document (for tests)
description:
  - Prints, at the end of the run, one JSON object with C(tasks), a list with one entry per task
    and host (its name, action, host, status and result), and C(stats), the recap per host.
author:
  - ConntrackTools contributors
'''

import json

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'ct_results'

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display)
        self.tasks = []

    def _record(self, result, status):
        self.tasks.append(dict(
            task=result._task.get_name(),
            action=result._task.action,
            host=result._host.get_name(),
            status=status,
            result=result._result,
        ))

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        recap = dict((host, stats.summarize(host)) for host in sorted(stats.processed.keys()))
        self._display.display(json.dumps(dict(tasks=self.tasks, stats=recap), cls=AnsibleJSONEncoder, indent=2, sort_keys=True))
