#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ct_helper_policy
short_description: Assign a conntrack helper to its servers with an nftables ct helper object and rule
version_added: 0.9.0
description:
  - Manages an nftables C(ct helper) object and the rule that assigns it (C(ct helper set)),
    restricted to the servers' addresses, ports and input interfaces, through the ConntrackTools
    resource C(ConntrackTools/CtHelperPolicy).
  - Every change is one nft transaction. When addresses, ports, interfaces, chain or hook differ,
    the object's assigning rules are replaced; when the helper type or protocol differ, the object
    and its rules are made again. With I(state=absent) the object and every rule assigning it are
    removed. Nothing else in the ruleset is touched.
  - A helper parses what clients and servers send and opens the firewall for what that asks for,
    so it must be restricted to the servers that need it. A policy without I(destination_address)
    is refused unless I(allow_any_destination=true).
options:
  name:
    description:
      - The name of the ct helper object, an nft identifier (letters, digits, C(_), C(-), C(.)).
    type: str
    required: true
  state:
    description:
      - C(present) makes the object and its assigning rule as given; C(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - The kernel helper the object runs (C(ftp), C(sip), C(tftp), C(irc), C(amanda), C(snmp), ...).
      - Required when I(state=present).
    type: str
  protocol:
    description:
      - The layer 4 protocol of the object; the helper's own (tcp for ftp, udp for tftp) when not
        given.
    type: str
    choices: [tcp, udp]
  family:
    description:
      - The family of the nftables table.
    type: str
    choices: [inet, ip, ip6]
    default: inet
  table:
    description:
      - The nftables table that holds the object and its chain; made when missing.
    type: str
    default: conntrack
  chain:
    description:
      - The chain of the assigning rule; made when missing, as a filter chain on I(hook).
    type: str
    default: helpers
  hook:
    description:
      - The hook of the chain when it is made; C(prerouting) covers forwarded and incoming traffic,
        C(output) locally generated traffic.
    type: str
    choices: [prerouting, input, forward, output]
    default: prerouting
  destination_address:
    description:
      - The servers the helper is for, as addresses or prefixes (C(192.0.2.21), C(2001:db8::/64)).
    type: list
    elements: str
  destination_port:
    description:
      - The servers' ports; the helper's default ports (21 for ftp) when not given.
    type: list
    elements: int
  input_interface:
    description:
      - Only packets arriving on these interfaces are assigned the helper.
    type: list
    elements: str
  allow_any_destination:
    description:
      - Allow a present policy without I(destination_address), so that the helper parses traffic
        to any server. Off by default, because an unrestricted helper lets any client that reaches
        it open expectations through the firewall.
    type: bool
    default: false
extends_documentation_fragment:
  - conntracktools.netfilter.ctsh
  - conntracktools.netfilter.ctsh.resource
seealso:
  - module: conntracktools.netfilter.ct_notrack
  - module: conntracktools.netfilter.ct_facts
  - name: Secure use of connection tracking helpers
    description: The nftables wiki's guide that this policy follows.
    link: https://wiki.nftables.org/wiki-nftables/index.php/Conntrack_helpers
author:
  - ConntrackTools contributors
'''

EXAMPLES = r'''
- name: Run the ftp helper for two FTP servers only
  conntracktools.netfilter.ct_helper_policy:
    name: ftp-servers
    type: ftp
    destination_address:
      - 192.0.2.21
      - 2001:db8::21
    destination_port: [21]

- name: SIP helper for the PBX, only for calls arriving from the provider's interface
  conntracktools.netfilter.ct_helper_policy:
    name: sip-pbx
    type: sip
    protocol: udp
    destination_address: [192.0.2.50]
    input_interface: [wan0]
    network_namespace: fw1

- name: Remove the ftp helper object and every rule that assigns it
  conntracktools.netfilter.ct_helper_policy:
    name: ftp-servers
    state: absent
'''

RETURN = r'''
state:
  description:
    - The policy after the task (in check mode with diff, the predicted one), as the resource
      reports it; C(Ensure) is C(Absent) when it does not exist.
  returned: success
  type: dict
  sample:
    NetworkNamespace: null
    Family: inet
    Table: conntrack
    Name: ftp-servers
    Ensure: Present
    Type: ftp
    Protocol: tcp
    Chain: helpers
    Hook: prerouting
    DestinationAddress: [192.0.2.21]
    DestinationPort: [21]
    InputInterface: null
    AllowAnyDestination: false
    Handle: 7
    Rules: ['ip daddr 192.0.2.21 tcp dport 21 ct helper set "ftp-servers"']
    Connections: 0
before:
  description: The policy before the task (C(Ensure) C(Absent) when it did not exist).
  returned: success
  type: dict
  sample:
    Family: inet
    Table: conntrack
    Name: ftp-servers
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

RESOURCE = 'CtHelperPolicy'

# Option -> resource property, in the resource's order (keys first).
MAPPING = (
    ('network_namespace', 'NetworkNamespace'),
    ('family', 'Family'),
    ('table', 'Table'),
    ('name', 'Name'),
    ('state', 'Ensure', ENSURE),
    ('type', 'Type'),
    ('protocol', 'Protocol'),
    ('chain', 'Chain'),
    ('hook', 'Hook'),
    ('destination_address', 'DestinationAddress'),
    ('destination_port', 'DestinationPort'),
    ('input_interface', 'InputInterface'),
    ('allow_any_destination', 'AllowAnyDestination'),
)


def argument_spec():
    """The options (DOCUMENTATION describes the same; the unit tests compare them)."""
    spec = common_argument_spec()
    spec.update(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        type=dict(type='str'),
        protocol=dict(type='str', choices=['tcp', 'udp']),
        family=dict(type='str', choices=['inet', 'ip', 'ip6'], default='inet'),
        table=dict(type='str', default='conntrack'),
        chain=dict(type='str', default='helpers'),
        hook=dict(type='str', choices=['prerouting', 'input', 'forward', 'output'], default='prerouting'),
        destination_address=dict(type='list', elements='str'),
        destination_port=dict(type='list', elements='int'),
        input_interface=dict(type='list', elements='str'),
        allow_any_destination=dict(type='bool', default=False),
    )
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_if=[('state', 'present', ('type',))],
        supports_check_mode=True,
    )
    run_resource_module(module, RESOURCE, MAPPING)


if __name__ == '__main__':
    main()
