#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ct_setting
short_description: Set an nf_conntrack sysctl of a network namespace
version_added: 0.9.0
description:
  - Sets one connection tracking sysctl (C(/proc/sys/net/netfilter/nf_conntrack_*)) of a network
    namespace to a value, through the ConntrackTools resource C(ConntrackTools/CtSetting).
  - The value is written only when it differs; the kernel's refusals and range checks are those of
    C(Set-CtSetting) and come back as the failure's message.
  - Global settings (such as C(nf_conntrack_max)) are writable only in the initial network
    namespace; in another namespace they are read-only and setting them fails.
options:
  name:
    description:
      - The setting, as C(Get-CtSetting) names it, with or without the C(net.netfilter.) prefix
        (C(nf_conntrack_tcp_timeout_established), C(net.netfilter.nf_conntrack_tcp_loose)).
      - Reported back in the catalog's spelling.
    type: str
    required: true
  value:
    description:
      - The value to set, in the setting's unit (seconds for timeouts, 0 or 1 for booleans).
    type: int
    required: true
extends_documentation_fragment:
  - conntracktools.netfilter.ctsh
  - conntracktools.netfilter.ctsh.resource
seealso:
  - module: conntracktools.netfilter.ct_facts
author:
  - ConntrackTools contributors
'''

EXAMPLES = r'''
- name: Forget idle established TCP connections after two hours instead of five days
  conntracktools.netfilter.ct_setting:
    name: nf_conntrack_tcp_timeout_established
    value: 7200

- name: Do not pick up TCP connections in the middle (no loose tracking) in namespace fw1
  conntracktools.netfilter.ct_setting:
    name: net.netfilter.nf_conntrack_tcp_loose
    value: 0
    network_namespace: fw1

- name: Size the table on the host (a global setting of the initial namespace)
  conntracktools.netfilter.ct_setting:
    name: nf_conntrack_max
    value: 262144
  become: true
'''

RETURN = r'''
state:
  description:
    - The setting after the task (in check mode with diff, the predicted one), as the resource
      reports it.
  returned: success
  type: dict
  sample:
    NetworkNamespace: fw1
    Name: nf_conntrack_tcp_timeout_established
    Value: 7200
    Default: 432000
    Unit: seconds
    Writable: true
    Available: true
before:
  description: The setting before the task.
  returned: success
  type: dict
  sample:
    NetworkNamespace: fw1
    Name: nf_conntrack_tcp_timeout_established
    Value: 432000
    Default: 432000
    Unit: seconds
    Writable: true
    Available: true
changed_properties:
  description: The properties that were changed (in check mode, that would be changed).
  returned: success
  type: list
  elements: str
  sample: [Value]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.conntracktools.netfilter.plugins.module_utils.ctsh import (
    common_argument_spec,
    run_resource_module,
)

RESOURCE = 'CtSetting'

MAPPING = (
    ('network_namespace', 'NetworkNamespace'),
    ('name', 'Name'),
    ('value', 'Value'),
)


def argument_spec():
    """The options (DOCUMENTATION describes the same; the unit tests compare them)."""
    spec = common_argument_spec()
    spec.update(
        name=dict(type='str', required=True),
        value=dict(type='int', required=True),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_resource_module(module, RESOURCE, MAPPING)


if __name__ == '__main__':
    main()
