#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)
"""
A stand-in for ctsh that speaks its automation protocol (ctsh -Resource/-Operation and
-OutputFormat Json) over a JSON file instead of the kernel, for tests of the modules' own behaviour:
which arguments and input they send, and Ansible's changed/check/diff semantics over test and set.
It logs every call (argv, stdin, the facts variables) as a JSON line to $FAKE_CTSH_LOG and keeps
the instances in $FAKE_CTSH_STATE. Names that are not nft identifiers are refused as ctsh refuses
invalid input (exit 2 and a DSC error line).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import sys

KEYS = {
    'CtSetting': ['NetworkNamespace', 'Name'],
    'CtHelperPolicy': ['NetworkNamespace', 'Family', 'Table', 'Name'],
    'CtNotrack': ['NetworkNamespace', 'Family', 'Table', 'Name'],
    'CtAntiSpoof': ['NetworkNamespace', 'InterfaceName', 'Family'],
}
IDENTIFIER = re.compile(r'^[A-Za-z][A-Za-z0-9_.-]{0,63}$')


def fail(code, message):
    sys.stderr.write(json.dumps({'error': message}) + '\n')
    sys.exit(code)


def load(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def same(want, have):
    if isinstance(want, list):
        return sorted(str(x).lower() for x in want) == sorted(str(x).lower() for x in (have or []))
    if isinstance(want, str) and isinstance(have, str):
        return want.lower() == have.lower()
    return want == have


def compare(desired, actual, keys):
    want_present = desired.get('Ensure', 'Present') == 'Present'
    differing = []
    if 'Ensure' in actual or 'Ensure' in desired:
        if desired.get('Ensure', 'Present') != actual.get('Ensure', 'Absent'):
            differing.append('Ensure')
        if not want_present or actual.get('Ensure') == 'Absent':
            return differing
    for name, value in desired.items():
        if name in keys or name == 'Ensure' or value is None:
            continue
        if not same(value, actual.get(name)):
            differing.append(name)
    return differing


def main(argv):
    log = os.environ.get('FAKE_CTSH_LOG')
    stdin = '' if sys.stdin.isatty() else sys.stdin.read()
    if log:
        env = dict((k, v) for k, v in os.environ.items() if k.startswith('CONNTRACKTOOLS_FACTS_'))
        with open(log, 'a') as f:
            f.write(json.dumps({'argv': argv, 'stdin': stdin, 'env': env}) + '\n')

    if argv[:2] == ['-OutputFormat', 'Json'] and len(argv) == 4 and argv[2] == '-Command':
        facts = {'network_namespace': os.environ.get('CONNTRACKTOOLS_FACTS_NETNS') or None, 'connections': 2,
                 'expectations': 1, 'helpers_in_use': {'ftp': 1}, 'findings': []}
        if os.environ.get('CONNTRACKTOOLS_FACTS_SETTINGS') == '1':
            facts['settings'] = {'nf_conntrack_tcp_loose': 1}
        print(json.dumps([facts], indent=2))
        return

    if len(argv) not in (4, 5) or argv[0] != '-Resource' or argv[2] != '-Operation' or argv[4:] not in ([], ['-WhatIf']):
        sys.stderr.write("ctsh: unknown option '%s'.\n" % ' '.join(argv))
        sys.exit(2)
    resource, operation, what_if = argv[1], argv[3], argv[4:] == ['-WhatIf']
    if resource not in KEYS:
        fail(2, "There is no resource '%s'." % resource)
    try:
        desired = json.loads(stdin)
    except ValueError as e:
        fail(2, 'The %s input is not valid: %s' % (resource, e))
    name = desired.get('Name')
    if resource in ('CtHelperPolicy', 'CtNotrack') and (not isinstance(name, str) or not IDENTIFIER.match(name)):
        fail(2, "The name %s is not an nft identifier: use letters, digits, '_', '-' and '.'." % json.dumps(name))
    keys = KEYS[resource]
    store_path = os.environ['FAKE_CTSH_STATE']
    store = load(store_path)
    key = resource + ':' + json.dumps([desired.get(k) for k in keys])
    if key in store:
        actual = dict(store[key])
    else:
        actual = dict((k, desired.get(k)) for k in keys)
        if resource == 'CtSetting':
            actual['Value'] = 432000
        else:
            actual['Ensure'] = 'Absent'
    differing = compare(desired, actual, keys)
    if operation == 'test':
        print(json.dumps(dict(actual, _inDesiredState=not differing)))
        print(json.dumps(differing))
    elif operation == 'set':
        after = dict(actual)
        if differing:
            if desired.get('Ensure') == 'Absent':
                after = dict((k, actual.get(k)) for k in keys)
                after['Ensure'] = 'Absent'
            else:
                after.update((k, v) for k, v in desired.items() if v is not None)
            if not what_if:
                store[key] = after
                with open(store_path, 'w') as f:
                    json.dump(store, f)
        print(json.dumps(after))
        print(json.dumps(differing))
    else:
        fail(2, "The operation '%s' is not one of get, test, set, export." % operation)


if __name__ == '__main__':
    main(sys.argv[1:])
