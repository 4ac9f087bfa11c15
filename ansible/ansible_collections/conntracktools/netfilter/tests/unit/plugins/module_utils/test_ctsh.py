# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)
"""
The pure parts of the collection: options to resource JSON, ctsh's output and trace lines, exit
codes to messages, and Ansible's changed/check/diff semantics over test and set (with a stand-in
for ctsh). Runs under ansible-test units, pytest, or plain `python3 -m unittest` with the
collection root's parent (<repo>/ansible) on PYTHONPATH.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys
import tempfile
import unittest

import yaml

try:
    from ansible_collections.conntracktools.netfilter.plugins.module_utils import ctsh as ct
except ImportError:  # run from a checkout without PYTHONPATH: <repo>/ansible is seven levels up
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7))))
    from ansible_collections.conntracktools.netfilter.plugins.module_utils import ctsh as ct

from ansible_collections.conntracktools.netfilter.plugins.doc_fragments.ctsh import ModuleDocFragment
from ansible_collections.conntracktools.netfilter.plugins.modules import (
    ct_antispoof,
    ct_facts,
    ct_helper_policy,
    ct_notrack,
    ct_setting,
)


class FakeModule(object):
    """The parts of AnsibleModule that module_utils/ctsh.py uses."""

    def __init__(self, params=None, check_mode=False, diff=False, replies=None, which=None):
        self.params = params or {}
        self.check_mode = check_mode
        self._diff = diff
        self.replies = list(replies or [])
        self.calls = []
        self.warnings = []
        self.which = which

    def run_command(self, args, **kwargs):
        self.calls.append((list(args), kwargs))
        return self.replies.pop(0)

    def get_bin_path(self, name):
        return self.which

    def warn(self, text):
        self.warnings.append(text)


def fake_ctsh():
    """An executable file to stand in for ctsh's path (FakeModule answers instead of running it)."""
    handle, path = tempfile.mkstemp(prefix='ctsh')
    os.close(handle)
    os.chmod(path, 0o700)
    return path


CTSH = fake_ctsh()


def lines(*values):
    return '\n'.join(json.dumps(v) for v in values) + '\n'


class BuildInstanceTests(unittest.TestCase):
    def test_options_map_to_properties_and_left_out_options_are_not_sent(self):
        params = dict(name='ftp-servers', state='present', type='ftp', protocol=None, family='inet', table='conntrack',
                      chain='helpers', hook='prerouting', destination_address=['192.0.2.21'], destination_port=[21],
                      input_interface=None, allow_any_destination=False, network_namespace=None, ctsh=None)
        instance = ct.build_instance(params, ct_helper_policy.MAPPING)
        self.assertEqual(instance, {
            'Family': 'inet', 'Table': 'conntrack', 'Name': 'ftp-servers', 'Ensure': 'Present', 'Type': 'ftp',
            'Chain': 'helpers', 'Hook': 'prerouting', 'DestinationAddress': ['192.0.2.21'], 'DestinationPort': [21],
            'AllowAnyDestination': False})

    def test_choices_become_the_resource_names(self):
        params = dict(interface='veth0', family='ipv4', state='absent', method='rp_filter', mode='loose', network_namespace='fw1')
        self.assertEqual(ct.build_instance(params, ct_antispoof.MAPPING), {
            'NetworkNamespace': 'fw1', 'InterfaceName': 'veth0', 'Family': 'IPv4', 'Ensure': 'Absent',
            'Method': 'RpFilter', 'Mode': 'Loose'})

    def test_every_option_of_every_module_maps_to_a_distinct_property(self):
        for module in (ct_helper_policy, ct_notrack, ct_antispoof, ct_setting):
            properties = [entry[1] for entry in module.MAPPING]
            self.assertEqual(len(properties), len(set(properties)), module.__name__)
            self.assertEqual(properties[0], 'NetworkNamespace', module.__name__)

    def test_hostile_values_are_carried_literally_in_json(self):
        hostile = 'ftp"; flush ruleset\n}{'
        instance = ct.build_instance(dict(name=hostile, type='ftp', state='present'), ct_helper_policy.MAPPING)
        self.assertEqual(json.loads(json.dumps(instance))['Name'], hostile)


class OutputTests(unittest.TestCase):
    def test_trace_lines_are_split_into_errors_warnings_and_other_text(self):
        errors, warnings, other = ct.parse_trace(
            '{"error":"The name \'a b\' is not an nft identifier."}\n{"warn":"careful"}\n{"info":"x"}\nplain text\n\n')
        self.assertEqual(errors, ["The name 'a b' is not an nft identifier."])
        self.assertEqual(warnings, ['careful'])
        self.assertEqual(other, ['plain text'])

    def test_stdout_lines_are_json_values_and_anything_else_fails(self):
        self.assertEqual(ct.parse_lines('{"a":1}\n\n["Value"]\n'), [{'a': 1}, ['Value']])
        with self.assertRaises(ct.CtshError) as raised:
            ct.parse_lines('{"a":1}\nnot json\n')
        self.assertIn('line 2', raised.exception.msg)

    def test_failure_message_is_the_resources_message(self):
        self.assertEqual(ct.failure_message(2, ['Value must be 0 or 1.'], ['noise']), 'Value must be 0 or 1.')
        self.assertIn('CAP_NET_ADMIN', ct.failure_message(3, [], []))
        self.assertIn('unknown option', ct.failure_message(1, [], ["ctsh: unknown option '-Resource'."]))
        self.assertIn('code 1', ct.failure_message(1, [], []))

    def test_test_and_set_output(self):
        actual, in_desired, differing = ct.read_test([{'Name': 'x', '_inDesiredState': False}, ['Value']], 'CtSetting')
        self.assertFalse(in_desired)
        self.assertEqual(differing, ['Value'])
        self.assertEqual(ct.strip_marker(actual), {'Name': 'x'})
        self.assertEqual(ct.read_set([{'Name': 'x'}, []], 'CtSetting'), ({'Name': 'x'}, []))
        with self.assertRaises(ct.CtshError):
            ct.read_test([], 'CtSetting')


class CtshCallTests(unittest.TestCase):
    ctsh = CTSH

    def test_the_command_line_is_a_fixed_argument_list_and_input_goes_to_stdin(self):
        module = FakeModule(params=dict(ctsh=self.ctsh), replies=[(0, lines({'Name': 'x', '_inDesiredState': True}, []), '')])
        client = ct.Ctsh(module)
        client.resource('CtSetting', 'test', {'Name': 'x"; rm -rf /', 'Value': 1})
        args, kwargs = module.calls[0]
        self.assertEqual(args, [self.ctsh, '-Resource', 'CtSetting', '-Operation', 'test'])
        self.assertEqual(json.loads(kwargs['data']), {'Name': 'x"; rm -rf /', 'Value': 1})
        self.assertFalse(kwargs.get('use_unsafe_shell', False))
        self.assertFalse(kwargs['expand_user_and_vars'])

    def test_what_if_is_an_argument(self):
        module = FakeModule(params=dict(ctsh=self.ctsh), replies=[(0, lines({'Name': 'x'}, ['Value']), '')])
        ct.Ctsh(module).resource('CtSetting', 'set', {}, what_if=True)
        self.assertEqual(module.calls[0][0][-1], '-WhatIf')

    def test_a_failure_carries_the_message_and_exit_code(self):
        module = FakeModule(params=dict(ctsh=self.ctsh), replies=[(2, '', '{"error":"Name: not an identifier."}\n')])
        with self.assertRaises(ct.CtshError) as raised:
            ct.Ctsh(module).resource('CtNotrack', 'test', {})
        self.assertEqual(raised.exception.msg, 'Name: not an identifier.')
        self.assertEqual(raised.exception.result()['failure'], 'invalid input')
        self.assertEqual(raised.exception.result()['rc'], 2)

    def test_warnings_become_ansible_warnings(self):
        module = FakeModule(params=dict(ctsh=self.ctsh), replies=[(0, '[]', '{"warn":"table was not read"}\n')])
        ct.Ctsh(module).json_command('Get-CtStatistic')
        self.assertEqual(module.warnings, ['table was not read'])

    def test_ctsh_is_found_on_path_or_the_failure_says_how_to_give_it(self):
        self.assertEqual(ct.Ctsh(FakeModule(params=dict(ctsh=None), which='/usr/local/bin/ctsh')).path, '/usr/local/bin/ctsh')
        with self.assertRaises(ct.CtshError) as raised:
            ct.Ctsh(FakeModule(params=dict(ctsh=None), which=None))
        self.assertIn('CONNTRACKTOOLS_CTSH', raised.exception.msg)
        with self.assertRaises(ct.CtshError):
            ct.Ctsh(FakeModule(params=dict(ctsh='/nonexistent/ctsh')))


class PlanTests(unittest.TestCase):
    """Ansible's semantics: changed only when set changed something, check mode tests only, diff before/after."""

    before = {'Name': 'nf_conntrack_tcp_loose', 'Value': 1}
    after = {'Name': 'nf_conntrack_tcp_loose', 'Value': 0}

    ctsh = CTSH

    def run_plan(self, replies, check_mode=False, diff=False):
        module = FakeModule(params=dict(ctsh=self.ctsh), check_mode=check_mode, diff=diff, replies=replies)
        result = ct.plan(module, ct.Ctsh(module), 'CtSetting', {'Name': 'nf_conntrack_tcp_loose', 'Value': 0})
        operations = [call[0][4:] for call in module.calls]
        return result, operations

    def test_in_desired_state_runs_test_only_and_is_not_changed(self):
        state = dict(self.after, _inDesiredState=True)
        result, operations = self.run_plan([(0, lines(state, []), '')], diff=True)
        self.assertFalse(result['changed'])
        self.assertEqual(operations, [['test']])
        self.assertEqual(result['diff'], {'before': self.after, 'after': self.after})

    def test_a_difference_is_set_and_reported(self):
        result, operations = self.run_plan([
            (0, lines(dict(self.before, _inDesiredState=False), ['Value']), ''),
            (0, lines(self.after, ['Value']), '')], diff=True)
        self.assertTrue(result['changed'])
        self.assertEqual(operations, [['test'], ['set']])
        self.assertEqual(result['changed_properties'], ['Value'])
        self.assertEqual(result['before'], self.before)
        self.assertEqual(result['state'], self.after)
        self.assertEqual(result['diff'], {'before': self.before, 'after': self.after})
        self.assertNotIn('_inDesiredState', json.dumps(result))

    def test_check_mode_never_sets(self):
        result, operations = self.run_plan([(0, lines(dict(self.before, _inDesiredState=False), ['Value']), '')], check_mode=True)
        self.assertTrue(result['changed'])
        self.assertEqual(operations, [['test']])
        self.assertEqual(result['changed_properties'], ['Value'])
        self.assertNotIn('diff', result)

    def test_check_mode_with_diff_predicts_with_what_if(self):
        result, operations = self.run_plan([
            (0, lines(dict(self.before, _inDesiredState=False), ['Value']), ''),
            (0, lines(self.after, ['Value']), '')], check_mode=True, diff=True)
        self.assertEqual(operations, [['test'], ['set', '-WhatIf']])
        self.assertTrue(result['changed'])
        self.assertEqual(result['diff'], {'before': self.before, 'after': self.after})

    def test_set_that_changed_nothing_is_not_changed(self):
        result, _ = self.run_plan([
            (0, lines(dict(self.before, _inDesiredState=False), ['Value']), ''),
            (0, lines(self.before, []), '')])
        self.assertFalse(result['changed'])


class DocumentationTests(unittest.TestCase):
    """What validate-modules checks (ansible-test sanity needs the network to install it): the docs say what the code does."""

    MODULES = (ct_antispoof, ct_facts, ct_helper_policy, ct_notrack, ct_setting)

    def documented_options(self, module):
        doc = yaml.safe_load(module.DOCUMENTATION)
        options = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
        self.assertIn('conntracktools.netfilter.ctsh', doc['extends_documentation_fragment'])
        options.update(doc.get('options') or {})
        return doc, options

    def test_every_option_is_documented_as_the_argument_spec_defines_it(self):
        for module in self.MODULES:
            doc, options = self.documented_options(module)
            spec = module.argument_spec()
            self.assertEqual(sorted(options), sorted(spec), module.__name__)
            for name, arg in spec.items():
                documented = options[name]
                where = '%s.%s' % (module.__name__, name)
                self.assertEqual(documented.get('type', 'str'), arg.get('type', 'str'), where)
                self.assertEqual(bool(documented.get('required', False)), bool(arg.get('required', False)), where)
                self.assertEqual(documented.get('default'), arg.get('default'), where)
                self.assertEqual(documented.get('choices'), arg.get('choices'), where)
                self.assertEqual(documented.get('elements'), arg.get('elements'), where)
                self.assertEqual(documented.get('aliases'), arg.get('aliases'), where)
                self.assertTrue(documented.get('description'), where)

    def test_examples_and_return_values_are_yaml_and_use_only_documented_options(self):
        for module in self.MODULES:
            doc, options = self.documented_options(module)
            self.assertEqual(doc['module'], module.__name__.rsplit('.', 1)[-1])
            self.assertTrue(yaml.safe_load(module.RETURN))
            fqcn = 'conntracktools.netfilter.' + doc['module']
            used = 0
            for task in yaml.safe_load(module.EXAMPLES):
                for step in task.get('block', [task]):
                    if fqcn in step:
                        used += 1
                        self.assertLessEqual(set(step[fqcn] or {}), set(options) | set(options.get('interface', {}).get('aliases', [])), fqcn)
            self.assertGreater(used, 0, fqcn)

    def test_state_modules_return_state_before_and_changed_properties(self):
        for module in (ct_antispoof, ct_helper_policy, ct_notrack, ct_setting):
            self.assertEqual(sorted(yaml.safe_load(module.RETURN)), ['before', 'changed_properties', 'state'], module.__name__)


class FactsTests(unittest.TestCase):
    def test_options_travel_in_the_environment_not_in_the_command(self):
        env = ct_facts.facts_environment(dict(network_namespace='fw1"; Remove-Item /', untrusted_interface=['wan0', 'wan1'],
                                              gather_settings=True))
        self.assertEqual(env[ct_facts.ENV_NETNS], 'fw1"; Remove-Item /')
        self.assertEqual(env[ct_facts.ENV_UNTRUSTED], 'wan0\nwan1')
        self.assertEqual(env[ct_facts.ENV_SETTINGS], '1')
        self.assertNotIn('fw1', ct_facts.FACTS_COMMAND)
        for name in (ct_facts.ENV_NETNS, ct_facts.ENV_UNTRUSTED, ct_facts.ENV_SETTINGS):
            self.assertIn('$env:' + name, ct_facts.FACTS_COMMAND)

    def test_the_command_is_run_as_one_argument_after_output_format_json(self):
        module = FakeModule(params=dict(ctsh=CTSH, network_namespace='fw1'),
                            replies=[(0, json.dumps([{'connections': 2, 'expectations': 0, 'helpers_in_use': {'ftp': 1}, 'findings': []}]), '')])
        facts = ct_facts.read_facts(ct.Ctsh(module).json_command(ct_facts.FACTS_COMMAND, environ={'X': '1'}))
        args, kwargs = module.calls[0]
        self.assertEqual(args[1:], ['-OutputFormat', 'Json', '-Command', ct_facts.FACTS_COMMAND])
        self.assertEqual(kwargs['environ_update'], {'X': '1'})
        self.assertEqual(facts['helpers_in_use'], {'ftp': 1})

    def test_interface_names_that_would_split_the_list_are_refused(self):
        self.assertIsNone(ct_facts.check_interfaces(['eth0', 'wan-1.100']))
        self.assertIsNotNone(ct_facts.check_interfaces(['eth0\nlo']))
        self.assertIsNotNone(ct_facts.check_interfaces(['a' * 16]))
        self.assertIsNotNone(ct_facts.check_interfaces(['']))


def tearDownModule():
    os.unlink(CTSH)


if __name__ == '__main__':
    unittest.main()
