# -*- coding: utf-8 -*-
# Copyright (c) ConntrackTools contributors
# MIT License (see the collection's galaxy.yml)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options and requirements every module of conntracktools.netfilter shares.
    DOCUMENTATION = r'''
options:
  network_namespace:
    description:
      - The network namespace to work in; the namespace the module runs in when not given.
      - A name under C(/run/netns) (as C(ip netns add) makes it), a path to a namespace file such as
        C(/proc/1234/ns/net), or a process ID whose namespace is meant.
    type: str
  ctsh:
    description:
      - Path of C(ctsh), the ConntrackTools host that the module runs.
      - When not given, the environment variable C(CONNTRACKTOOLS_CTSH) of the managed host's
        task environment, else C(ctsh) found on C(PATH).
    type: path
requirements:
  - ConntrackTools with its C(ctsh) on the managed host (.NET 10 runtime)
  - Linux with nf_conntrack and nf_tables; root or CAP_NET_ADMIN (use C(become)).
notes:
  - The module runs C(ctsh) with a fixed argument list and passes the options as JSON on standard
    input; no shell is involved, so quotes, semicolons, braces and newlines in values are carried
    literally and the resource refuses what is not valid.
  - Failures carry the resource's own message. ctsh's exit code is returned as C(rc) and its
    meaning as C(failure) (C(error), C(invalid input), C(permission denied)).
'''

    # The state modules' shared semantics (all but ct_facts).
    RESOURCE = r'''
attributes:
  check_mode:
    support: full
    description: Runs the resource's test only and reports what would change; nothing is changed.
  diff_mode:
    support: full
    description: Returns the state before and after (predicted in check mode) as dictionaries.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with netfilter.
notes:
  - The module runs the resource's C(test) first and returns C(changed=false) when the system is
    already in the desired state; otherwise it runs C(set), which changes only the properties that
    differ and reports them in C(changed_properties).
  - Options left out are not managed (a desired state only names what it cares about), except
    those whose default is given here.
'''
