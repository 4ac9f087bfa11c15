#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ct_antispoof
short_description: Reverse-path filtering for an interface and address family
version_added: 0.9.0
description:
  - Makes sure that packets with spoofed source addresses arriving on an interface are dropped
    before connection tracking and its helpers see them, through the ConntrackTools resource
    C(ConntrackTools/CtAntiSpoof).
  - With I(method=rp_filter) (IPv4 only) the interface's C(net.ipv4.conf.IF.rp_filter) is set to 1
    (strict) or 2 (loose); I(state=absent) sets it to 0. The C(all) value is reported but never
    written.
  - With I(method=fib) the rules that the anti-spoof audit (C(Test-CtAntiSpoof)) recommends go in
    table C(inet conntrack), chain C(antispoof) (hook prerouting, priority raw), with the comment
    C(ConntrackTools:antispoof:IF:FAMILY); a C(fib) lookup drops what did not come by the right
    interface, and for IPv6 router advertisements and neighbour solicitations are accepted first,
    so that neighbour discovery keeps working. I(state=absent) removes them.
  - The methods are independent; switching from one to the other is explicit (the other method
    with I(state=absent)), so no task weakens protection it was not asked to.
options:
  interface:
    description:
      - The interface (not C(lo)).
    type: str
    required: true
    aliases: [interface_name]
  family:
    description:
      - The address family.
    type: str
    choices: [ipv4, ipv6]
    required: true
  state:
    description:
      - C(present) turns the filter on for the interface and family; C(absent) turns it off.
    type: str
    choices: [present, absent]
    default: present
  method:
    description:
      - How to filter. C(rp_filter) (the kernel's IPv4 reverse-path filter) is the default for
        I(family=ipv4), C(fib) (an nftables rule) the default for, and only choice of, I(family=ipv6).
    type: str
    choices: [rp_filter, fib]
  mode:
    description:
      - C(strict) accepts a packet only when its source is routed back out of the same interface;
        C(loose) when its source is routed anywhere (for asymmetric routing).
    type: str
    choices: [strict, loose]
    default: strict
extends_documentation_fragment:
  - conntracktools.netfilter.ctsh
  - conntracktools.netfilter.ctsh.resource
seealso:
  - module: conntracktools.netfilter.ct_facts
author:
  - ConntrackTools contributors
'''

EXAMPLES = r'''
- name: Strict reverse-path filtering for IPv4 on the uplink
  conntracktools.netfilter.ct_antispoof:
    interface: eth0
    family: ipv4

- name: And a fib rule for IPv6
  conntracktools.netfilter.ct_antispoof:
    interface: eth0
    family: ipv6
    method: fib

- name: Loose mode where routing is asymmetric, in namespace fw1
  conntracktools.netfilter.ct_antispoof:
    interface: wan1
    family: ipv4
    mode: loose
    network_namespace: fw1
'''

RETURN = r'''
state:
  description:
    - The filtering after the task (in check mode with diff, the predicted one), as the resource
      reports it, with the audit's verdict in C(Protected) and C(Finding).
  returned: success
  type: dict
  sample:
    NetworkNamespace: null
    InterfaceName: eth0
    Family: IPv4
    Ensure: Present
    Method: RpFilter
    Mode: Strict
    Protected: true
    Finding: 'eth0/IPv4: rp_filter is 1 (strict)'
before:
  description: The filtering before the task.
  returned: success
  type: dict
  sample:
    InterfaceName: eth0
    Family: IPv4
    Ensure: Absent
    Protected: false
changed_properties:
  description: The properties that were changed (in check mode, that would be changed).
  returned: success
  type: list
  elements: str
  sample: [Ensure, Mode]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.conntracktools.netfilter.plugins.module_utils.ctsh import (
    ENSURE,
    choice_map,
    common_argument_spec,
    run_resource_module,
)

RESOURCE = 'CtAntiSpoof'

MAPPING = (
    ('network_namespace', 'NetworkNamespace'),
    ('interface', 'InterfaceName'),
    ('family', 'Family', choice_map({'ipv4': 'IPv4', 'ipv6': 'IPv6'})),
    ('state', 'Ensure', ENSURE),
    ('method', 'Method', choice_map({'rp_filter': 'RpFilter', 'fib': 'Fib'})),
    ('mode', 'Mode', choice_map({'strict': 'Strict', 'loose': 'Loose'})),
)


def argument_spec():
    """The options (DOCUMENTATION describes the same; the unit tests compare them)."""
    spec = common_argument_spec()
    spec.update(
        interface=dict(type='str', required=True, aliases=['interface_name']),
        family=dict(type='str', choices=['ipv4', 'ipv6'], required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        method=dict(type='str', choices=['rp_filter', 'fib']),
        mode=dict(type='str', choices=['strict', 'loose'], default='strict'),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if module.params['family'] == 'ipv6' and module.params['method'] == 'rp_filter':
        module.fail_json(msg='method rp_filter is IPv4 only (the kernel has no rp_filter for IPv6); '
                             'use method fib for family ipv6, or leave method out.')
    run_resource_module(module, RESOURCE, MAPPING)


if __name__ == '__main__':
    main()
