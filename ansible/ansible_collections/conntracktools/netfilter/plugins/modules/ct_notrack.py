#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ct_notrack
short_description: Exempt traffic from connection tracking with an nftables NOTRACK rule
version_added: 0.9.0
description:
  - Manages one nftables C(notrack) rule, in a chain at the raw priority, through the ConntrackTools
    resource C(ConntrackTools/CtNotrack). The rule carries the comment C(ConntrackTools:NAME), which
    is how it is found again.
  - When anything differs the old rule is deleted and the new one added in one nft transaction.
    With I(state=absent) the rule is deleted, and a chain or table that it leaves empty goes too.
  - Untracked packets match C(ct state untracked) only; a firewall that accepts
    C(ct state established,related) must accept them explicitly. They get no helper and no NAT.
options:
  name:
    description:
      - The rule's name (an nft identifier); the rule's comment is C(ConntrackTools:NAME).
    type: str
    required: true
  state:
    description:
      - C(present) makes the rule as given; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  family:
    description:
      - The family of the nftables table.
    type: str
    choices: [inet, ip, ip6]
    default: inet
  table:
    description:
      - The nftables table; made when missing.
    type: str
    default: conntrack
  hook:
    description:
      - C(prerouting) for packets that arrive (forwarded or for this host), C(output) for packets
        this host sends.
    type: str
    choices: [prerouting, output]
    default: prerouting
  chain:
    description:
      - The chain, made when missing at the raw priority (-300) on I(hook).
      - C(notrack_prerouting) for I(hook=prerouting) and C(notrack_output) for I(hook=output) when not given.
    type: str
  protocol:
    description:
      - The layer 4 protocol to match (C(tcp), C(udp), C(sctp), ...); needed with ports.
    type: str
  source_address:
    description:
      - Source addresses or prefixes to match.
    type: list
    elements: str
  destination_address:
    description:
      - Destination addresses or prefixes to match.
    type: list
    elements: str
  source_port:
    description:
      - Source ports to match; needs I(protocol).
    type: list
    elements: int
  destination_port:
    description:
      - Destination ports to match; needs I(protocol).
    type: list
    elements: int
  input_interface:
    description:
      - Interfaces the packets arrive on (I(hook=prerouting) only).
    type: list
    elements: str
  output_interface:
    description:
      - Interfaces the packets leave by (I(hook=output) only).
    type: list
    elements: str
extends_documentation_fragment:
  - conntracktools.netfilter.ctsh
  - conntracktools.netfilter.ctsh.resource
seealso:
  - module: conntracktools.netfilter.ct_helper_policy
author:
  - ConntrackTools contributors
'''

EXAMPLES = r'''
- name: Do not track the queries to this DNS resolver
  conntracktools.netfilter.ct_notrack:
    name: dns-in
    protocol: udp
    destination_port: [53]

- name: Nor its answers
  conntracktools.netfilter.ct_notrack:
    name: dns-out
    hook: output
    protocol: udp
    source_port: [53]

- name: Remove the exemption
  conntracktools.netfilter.ct_notrack:
    name: dns-in
    state: absent
    network_namespace: fw1
'''

RETURN = r'''
state:
  description:
    - The rule after the task (in check mode with diff, the predicted one), as the resource reports
      it; C(Ensure) is C(Absent) when it does not exist.
  returned: success
  type: dict
  sample:
    NetworkNamespace: null
    Family: inet
    Table: conntrack
    Name: dns-in
    Ensure: Present
    Hook: prerouting
    Chain: notrack_prerouting
    Protocol: udp
    SourceAddress: null
    DestinationAddress: null
    SourcePort: null
    DestinationPort: [53]
    InputInterface: null
    OutputInterface: null
    Handle: 4
    Rule: 'udp dport 53 notrack comment "ConntrackTools:dns-in"'
before:
  description: The rule before the task (C(Ensure) C(Absent) when it did not exist).
  returned: success
  type: dict
  sample:
    Family: inet
    Table: conntrack
    Name: dns-in
    Ensure: Absent
changed_properties:
  description: The properties that were changed (in check mode, that would be changed).
  returned: success
  type: list
  elements: str
  sample: [Ensure]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.conntracktools.netfilter.plugins.module_utils.ctsh import (
    ENSURE,
    common_argument_spec,
    run_resource_module,
)

RESOURCE = 'CtNotrack'

MAPPING = (
    ('network_namespace', 'NetworkNamespace'),
    ('family', 'Family'),
    ('table', 'Table'),
    ('name', 'Name'),
    ('state', 'Ensure', ENSURE),
    ('hook', 'Hook'),
    ('chain', 'Chain'),
    ('protocol', 'Protocol'),
    ('source_address', 'SourceAddress'),
    ('destination_address', 'DestinationAddress'),
    ('source_port', 'SourcePort'),
    ('destination_port', 'DestinationPort'),
    ('input_interface', 'InputInterface'),
    ('output_interface', 'OutputInterface'),
)


def argument_spec():
    """The options (DOCUMENTATION describes the same; the unit tests compare them)."""
    spec = common_argument_spec()
    spec.update(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        family=dict(type='str', choices=['inet', 'ip', 'ip6'], default='inet'),
        table=dict(type='str', default='conntrack'),
        hook=dict(type='str', choices=['prerouting', 'output'], default='prerouting'),
        chain=dict(type='str'),
        protocol=dict(type='str'),
        source_address=dict(type='list', elements='str'),
        destination_address=dict(type='list', elements='str'),
        source_port=dict(type='list', elements='int'),
        destination_port=dict(type='list', elements='int'),
        input_interface=dict(type='list', elements='str'),
        output_interface=dict(type='list', elements='str'),
    )
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        # A packet arrives on an interface in prerouting and leaves by one in output, never both.
        mutually_exclusive=[('input_interface', 'output_interface')],
        required_by={'source_port': 'protocol', 'destination_port': 'protocol'},
        supports_check_mode=True,
    )
    run_resource_module(module, RESOURCE, MAPPING)


if __name__ == '__main__':
    main()
