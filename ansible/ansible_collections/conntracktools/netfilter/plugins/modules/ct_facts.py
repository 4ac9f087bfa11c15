#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ct_facts
short_description: Gather connection tracking facts (connections, helpers in use, audit findings)
version_added: 0.9.0
description:
  - Sets C(ansible_facts.conntrack) for a network namespace of the host, that is how many connections
    and expectations the kernel tracks, which helpers are in use by how many connections, the failed
    findings of the helper security and anti-spoofing audits (C(Test-CtHelperSecurity),
    C(Test-CtAntiSpoof)), and the nf_conntrack settings.
  - Runs one fixed ConntrackTools command through C(ctsh -OutputFormat Json); the options reach it
    as environment variables, never as part of the command's text.
  - Changes nothing; reports C(changed=false).
options:
  untrusted_interface:
    description:
      - Interfaces whose traffic is not trusted, for the helper security audit; by default, those
        that carry a default route.
    type: list
    elements: str
  gather_settings:
    description:
      - Also gather the available nf_conntrack settings as C(settings), a dictionary of name and value.
    type: bool
    default: true
extends_documentation_fragment:
  - conntracktools.netfilter.ctsh
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode as otherwise.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to compare.
  facts:
    support: full
    description: Sets C(ansible_facts.conntrack).
  platform:
    support: full
    platforms: posix
seealso:
  - module: conntracktools.netfilter.ct_helper_policy
  - module: conntracktools.netfilter.ct_antispoof
author:
  - ConntrackTools contributors
'''

EXAMPLES = r'''
- name: Gather conntrack facts
  conntracktools.netfilter.ct_facts:

- name: Fail when an audit found something on the firewall in namespace fw1
  block:
    - conntracktools.netfilter.ct_facts:
        network_namespace: fw1
        untrusted_interface: [wan0]
        gather_settings: false
    - ansible.builtin.assert:
        that: ansible_facts.conntrack.findings | length == 0
        fail_msg: "{{ ansible_facts.conntrack.findings | map(attribute='Message') | list }}"

- name: Show how many connections use the ftp helper
  ansible.builtin.debug:
    msg: "{{ ansible_facts.conntrack.helpers_in_use.ftp | default(0) }} FTP connections"
'''

RETURN = r'''
ansible_facts:
  description: The facts.
  returned: always
  type: complex
  contains:
    conntrack:
      description: Connection tracking in the namespace.
      returned: always
      type: complex
      contains:
        network_namespace:
          description: The namespace the facts are of (null for the one the module ran in).
          type: str
          returned: always
          sample: fw1
        connections:
          description: Entries in the connection table (C(conntrack -C)).
          type: int
          returned: always
          sample: 1200
        expectations:
          description: Entries in the expectation table.
          type: int
          returned: always
          sample: 2
        helpers_in_use:
          description: Helper name and the number of tracked connections that have it; helpers with
            none are left out.
          type: dict
          returned: always
          sample: {ftp: 3, sip: 1}
        findings:
          description:
            - The failed findings of both audits, each the JSON of a CtFinding
              (C(Check), C(Passed), C(Severity), C(Target), C(Message), C(Remediation), C(Backend)).
          type: list
          elements: dict
          returned: always
          sample:
            - Check: ReversePathFilter
              Passed: false
              Severity: High
              Target: eth0/IPv4
              Message: eth0/IPv4 accepts packets with spoofed source addresses (rp_filter is 0, no fib rule).
              Remediation: "sysctl -w net.ipv4.conf.eth0.rp_filter=1"
              Backend: kernel
        settings:
          description: The available nf_conntrack settings, name and value.
          type: dict
          returned: when I(gather_settings=true)
          sample: {nf_conntrack_tcp_loose: 0, nf_conntrack_tcp_timeout_established: 7200}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.conntracktools.netfilter.plugins.module_utils.ctsh import (
    Ctsh,
    CtshError,
    common_argument_spec,
)

# The options reach the command through these environment variables.
ENV_NETNS = 'CONNTRACKTOOLS_FACTS_NETNS'
ENV_UNTRUSTED = 'CONNTRACKTOOLS_FACTS_UNTRUSTED'
ENV_SETTINGS = 'CONNTRACKTOOLS_FACTS_SETTINGS'

# The whole command, fixed: it reads the options from the environment and splats them, so a value
# is a parameter's argument and never PowerShell text. Connections are counted by the kernel
# (Get-CtStatistic) and per helper by Get-CtHelper, so no connection object is made.
FACTS_COMMAND = '\n'.join((
    "$ErrorActionPreference = 'Stop'",
    "$ns = @{}",
    "if ($env:CONNTRACKTOOLS_FACTS_NETNS) { $ns.NetworkNamespace = $env:CONNTRACKTOOLS_FACTS_NETNS }",
    "$audit = @{}",
    "if ($env:CONNTRACKTOOLS_FACTS_UNTRUSTED) { $audit.UntrustedInterface = [string[]]($env:CONNTRACKTOOLS_FACTS_UNTRUSTED -split \"`n\") }",
    "$helpers = [ordered]@{}",
    "foreach ($h in Get-CtHelper @ns) { if ($h.Connections -gt 0) { $helpers[$h.Name] = $h.Connections } }",
    "$findings = @(Test-CtHelperSecurity @ns @audit -FailedOnly) + @(Test-CtAntiSpoof @ns | Where-Object { -not $_.Passed })",
    "$facts = [ordered]@{",
    "  network_namespace = $ns.NetworkNamespace",
    "  connections = [long](Get-CtStatistic @ns).Count",
    "  expectations = @(Get-CtExpectation @ns).Count",
    "  helpers_in_use = $helpers",
    "  findings = $findings",
    "}",
    "if ($env:CONNTRACKTOOLS_FACTS_SETTINGS -eq '1') {",
    "  $settings = [ordered]@{}",
    "  foreach ($s in Get-CtSetting @ns) { if ($s.Available) { $settings[$s.Name] = $s.Value } }",
    "  $facts.settings = $settings",
    "}",
    "$facts",
))


def facts_environment(params):
    """The environment variables that carry the options to FACTS_COMMAND."""
    untrusted = params.get('untrusted_interface') or []
    return {
        ENV_NETNS: params.get('network_namespace') or '',
        ENV_UNTRUSTED: '\n'.join(untrusted),
        ENV_SETTINGS: '1' if params.get('gather_settings') else '0',
    }


def check_interfaces(names):
    """An interface name as the kernel allows it (IFNAMSIZ, no space or slash); the list travels newline-separated."""
    for name in names or []:
        if not name or len(name) > 15 or name in ('.', '..') or any(c in name for c in '/: \t\r\n\0'):
            return 'untrusted_interface %r is not an interface name (1 to 15 characters, no space, colon or slash).' % name
    return None


def read_facts(output):
    """The facts dictionary from the command's JSON array (one object)."""
    if len(output) != 1 or not isinstance(output[0], dict):
        raise CtshError('the facts command gave %d objects where one was expected' % len(output))
    facts = output[0]
    facts['helpers_in_use'] = facts.get('helpers_in_use') or {}
    facts['findings'] = facts.get('findings') or []
    return facts


def argument_spec():
    """The options (DOCUMENTATION describes the same; the unit tests compare them)."""
    spec = common_argument_spec()
    spec.update(
        untrusted_interface=dict(type='list', elements='str'),
        gather_settings=dict(type='bool', default=True),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    problem = check_interfaces(module.params['untrusted_interface'])
    if problem:
        module.fail_json(msg=problem)
    try:
        ctsh = Ctsh(module)
        facts = read_facts(ctsh.json_command(FACTS_COMMAND, environ=facts_environment(module.params)))
    except CtshError as e:
        module.fail_json(msg=e.msg, **e.result())
    module.exit_json(changed=False, ansible_facts=dict(conntrack=facts))


if __name__ == '__main__':
    main()
