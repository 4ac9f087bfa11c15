# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)
"""
Runs ctsh, the ConntrackTools host, for the modules of this collection.

Every call is an argument list that holds only fixed words (the resource's name, the operation);
what the user gave travels as JSON on stdin (resources) or in environment variables (facts). No
shell is involved and nothing the user gave becomes part of a command line, so quotes, braces,
semicolons and newlines in a playbook's arguments are carried literally to the resource, which
accepts or refuses them.

The resource protocol is DSC v3's, as ctsh -Resource implements it:
  test  -> line 1 the actual state with "_inDesiredState", line 2 the differing property names
  set   -> line 1 the state after (with -WhatIf: predicted), line 2 the changed property names
  get   -> the actual state
Errors come on stderr as trace lines {"error": "..."} ({"warn": "..."} for warnings), with exit
codes 0 success, 1 error, 2 invalid input, 3 permission denied.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import env_fallback

CTSH_ENV = 'CONNTRACKTOOLS_CTSH'

EXIT_SUCCESS = 0
EXIT_ERROR = 1
EXIT_INVALID_INPUT = 2
EXIT_PERMISSION_DENIED = 3

EXIT_MEANINGS = {
    EXIT_ERROR: 'error',
    EXIT_INVALID_INPUT: 'invalid input',
    EXIT_PERMISSION_DENIED: 'permission denied',
}

PERMISSION_HINT = 'Permission denied: run as root or with CAP_NET_ADMIN (become: true).'

# The DSC marker that test adds to the actual state; not a property of the resource.
IN_DESIRED_STATE = '_inDesiredState'


def common_argument_spec():
    """The options every module of the collection has (doc fragment conntracktools.netfilter.ctsh)."""
    return dict(
        network_namespace=dict(type='str'),
        ctsh=dict(type='path', fallback=(env_fallback, [CTSH_ENV])),
    )


class CtshError(Exception):
    """ctsh failed or answered something that is not the protocol; carries what fail_json reports."""

    def __init__(self, msg, rc=None, stdout='', stderr='', cmd=None):
        super(CtshError, self).__init__(msg)
        self.msg = msg
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.cmd = cmd

    def result(self):
        """The keys for module.fail_json besides msg."""
        out = dict(rc=self.rc, stdout=self.stdout, stderr=self.stderr)
        if self.cmd is not None:
            out['cmd'] = self.cmd
        if self.rc in EXIT_MEANINGS:
            out['failure'] = EXIT_MEANINGS[self.rc]
        return out


def parse_trace(stderr):
    """Splits ctsh's stderr into (errors, warnings, other lines): DSC trace lines are JSON objects."""
    errors, warnings, other = [], [], []
    for line in (stderr or '').splitlines():
        text = line.strip()
        if not text:
            continue
        record = None
        if text.startswith('{'):
            try:
                record = json.loads(text)
            except ValueError:
                record = None
        if not isinstance(record, dict):
            other.append(text)
            continue
        if 'error' in record:
            errors.append(_text(record['error']))
        elif 'warn' in record or 'warning' in record:
            warnings.append(_text(record.get('warn', record.get('warning'))))
        # info, debug and trace lines are ctsh's progress; not shown.
    return errors, warnings, other


def _text(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def parse_lines(stdout):
    """The JSON values of ctsh's stdout, one per non-empty line (DSC v3's output)."""
    values = []
    for number, line in enumerate((stdout or '').splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        try:
            values.append(json.loads(text))
        except ValueError:
            raise CtshError('ctsh printed line %d that is not JSON: %s' % (number, text[:200]), stdout=stdout)
    return values


def failure_message(rc, errors, other):
    """The message of a failed call: the resource's own words first, then what the exit code means."""
    if errors:
        message = ' '.join(e.strip() for e in errors if e.strip())
    elif other:
        # Not a trace line: ctsh's own usage error, or the wrapper script's build output.
        message = ' '.join(other[-10:])
    else:
        message = 'ctsh exited with code %s (%s) and no message' % (rc, EXIT_MEANINGS.get(rc, 'unknown exit code'))
    if rc == EXIT_PERMISSION_DENIED and 'CAP_NET_ADMIN' not in message:
        message = '%s %s' % (message, PERMISSION_HINT)
    return message


def strip_marker(state):
    """A state without DSC's _inDesiredState marker (the modules report it as changed/changed_properties)."""
    if not isinstance(state, dict):
        return state
    return dict((k, v) for k, v in state.items() if k != IN_DESIRED_STATE)


def build_instance(params, mapping):
    """
    The resource instance (a dict of PascalCase properties) from the module's options.
    mapping: (option, Property[, convert]) triples; options left out (None) are not sent, which the
    resources read as "not specified".
    """
    instance = {}
    for entry in mapping:
        option, prop = entry[0], entry[1]
        value = params.get(option)
        if value is None:
            continue
        if len(entry) > 2:
            value = entry[2](value)
        instance[prop] = value
    return instance


def choice_map(table):
    """A converter from a module choice (rp_filter) to the resource's name (RpFilter)."""
    def convert(value):
        return table[value]
    return convert


ENSURE = choice_map({'present': 'Present', 'absent': 'Absent'})


def find_ctsh(module):
    """The ctsh to run: the ctsh option (default $CONNTRACKTOOLS_CTSH), else ctsh on PATH."""
    path = module.params.get('ctsh')
    if path:
        if not os.path.isfile(path):
            raise CtshError('ctsh was not found at %s (the ctsh option or $%s); give the path of the ctsh script of '
                            'ConntrackTools, or leave both unset to use ctsh from PATH.' % (path, CTSH_ENV))
        if not os.access(path, os.X_OK):
            raise CtshError('%s is not executable; make it executable (chmod +x) or give another ctsh.' % path)
        return path
    found = module.get_bin_path('ctsh')
    if not found:
        raise CtshError('ctsh was not found on PATH; install ConntrackTools on the host and put its ctsh on PATH, '
                        'or give its path in the ctsh option or $%s.' % CTSH_ENV)
    return found


class Ctsh(object):
    """Calls ctsh for one module run."""

    def __init__(self, module):
        self.module = module
        self.path = find_ctsh(module)

    def run(self, args, stdin=None, environ=None):
        """Runs ctsh with a fixed argument list; returns stdout. Raises CtshError on failure."""
        cmd = [self.path] + list(args)
        rc, stdout, stderr = self.module.run_command(
            cmd,
            data=stdin,
            binary_data=True,
            check_rc=False,
            environ_update=environ,
            # Arguments are literal: no ~ or $VAR expansion (the facts command's text has $ in it).
            expand_user_and_vars=False,
        )
        errors, warnings, other = parse_trace(stderr)
        for warning in warnings:
            self.module.warn(warning)
        if rc != EXIT_SUCCESS:
            raise CtshError(failure_message(rc, errors, other), rc=rc, stdout=stdout, stderr=stderr, cmd=cmd)
        return stdout

    def resource(self, resource, operation, instance, what_if=False):
        """ctsh -Resource RESOURCE -Operation OPERATION [-WhatIf] with the instance as JSON on stdin; the output lines."""
        args = ['-Resource', resource, '-Operation', operation]
        if what_if:
            args.append('-WhatIf')
        stdout = self.run(args, stdin=json.dumps(instance, sort_keys=True))
        return parse_lines(stdout)

    def json_command(self, command, environ=None):
        """ctsh -OutputFormat Json -Command TEXT: the output as one JSON array."""
        stdout = self.run(['-OutputFormat', 'Json', '-Command', command], environ=environ)
        try:
            value = json.loads(stdout)
        except ValueError:
            raise CtshError('ctsh -OutputFormat Json printed something that is not JSON: %s' % stdout.strip()[:300], stdout=stdout)
        if not isinstance(value, list):
            raise CtshError('ctsh -OutputFormat Json printed %s where a JSON array was expected' % type(value).__name__, stdout=stdout)
        return value


def read_test(lines, resource):
    """(actual state, in desired state, differing properties) from test's output."""
    if len(lines) < 1 or not isinstance(lines[0], dict):
        raise CtshError('%s test gave no state (expected a JSON object on its first line)' % resource)
    actual = lines[0]
    differing = lines[1] if len(lines) > 1 and isinstance(lines[1], list) else []
    in_desired = actual.get(IN_DESIRED_STATE)
    if in_desired is None:
        in_desired = not differing
    return actual, bool(in_desired), [str(p) for p in differing]


def read_set(lines, resource):
    """(state after or predicted, changed properties) from set's output."""
    if len(lines) < 1 or not isinstance(lines[0], dict):
        raise CtshError('%s set gave no state (expected a JSON object on its first line)' % resource)
    changed = lines[1] if len(lines) > 1 and isinstance(lines[1], list) else []
    return lines[0], [str(p) for p in changed]


def plan(module, ctsh, resource, desired):
    """
    Test, then (outside check mode, when something differs) set: Ansible's semantics over the
    resource's. Returns the module result: changed only when set changed something; in check mode
    changed says what test found and nothing is set (with diff mode, set -WhatIf predicts the after).
    """
    actual, in_desired, differing = read_test(ctsh.resource(resource, 'test', desired), resource)
    before = strip_marker(actual)
    result = dict(changed=False, before=before, state=before, changed_properties=[])
    if not in_desired:
        if module.check_mode:
            result['changed'] = True
            result['changed_properties'] = differing
            if module._diff:
                predicted, would_change = read_set(ctsh.resource(resource, 'set', desired, what_if=True), resource)
                result['state'] = strip_marker(predicted)
                result['changed_properties'] = would_change or differing
        else:
            after, changed = read_set(ctsh.resource(resource, 'set', desired), resource)
            result['state'] = strip_marker(after)
            result['changed'] = bool(changed)
            result['changed_properties'] = changed
    if module._diff:
        result['diff'] = dict(before=result['before'], after=result['state'])
    return result


def run_resource_module(module, resource, mapping):
    """The whole of a resource module: instance from the options, test/set, exit or fail."""
    desired = build_instance(module.params, mapping)
    try:
        ctsh = Ctsh(module)
        result = plan(module, ctsh, resource, desired)
    except CtshError as e:
        module.fail_json(msg=e.msg, **e.result())
    module.exit_json(**result)
