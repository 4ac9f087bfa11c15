#!/usr/bin/env python3
"""Plays a scripted socket dialogue between two namespaces (H.323 parity scenarios).

  traffic_h323.py SCRIPT.json

Runs from the root namespace and makes each socket inside its namespace (setns on
/run/netns/NAME), so one process drives both ends in a fixed order; traffic goes only between the
namespaces the script names. The script is {"steps": [...]}, each step one of:

  {"op": "udp", "name": N, "ns": NS, "addr": A, "port": P}       a UDP socket bound to A:P (0: any port)
  {"op": "send", "from": N, "to": M, "addr": A, "port": P, "hex": H}
                                  datagram H from N to A:P, received by M (bound there)
  {"op": "listen", "name": N, "ns": NS, "addr": A, "port": P}    a TCP listener
  {"op": "connect", "name": N, "ns": NS, "addr": A, "port": P, "listener": L, "accepted": M}
                                  connect from NS to A:P; L accepts the connection as M
  {"op": "tsend", "from": N, "to": M, "hex": H}   H on the TCP connection, read whole by M
  {"op": "close", "name": N, "peer": M}           N closes; M reads the end and closes too
  {"op": "sleep", "seconds": S}

Every wait is bounded (10 s); any failure exits non-zero with the step that failed. Each message
is followed by a pause of PACE seconds, so that a capture running alongside (tcpdump on a busy
machine) sees every packet instead of dropping some of a burst.
"""
import ctypes
import json
import os
import socket
import sys
import time

TIMEOUT = 10
PACE = 0.01
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def enter_netns(name):
    """Moves this thread into a named network namespace; sockets made afterwards live there."""
    path = name if name.startswith("/") else "/run/netns/" + name
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), path)
    finally:
        os.close(fd)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def make(ns, addr, kind):
    enter_netns(ns)
    s = socket.socket(family(addr), kind)
    s.settimeout(TIMEOUT)
    return s


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise RuntimeError(f"connection ended after {len(data)} of {n} bytes")
        data += chunk
    return data


def run(steps):
    socks = {}
    for i, step in enumerate(steps):
        op = step["op"]
        try:
            if op == "udp":
                s = make(step["ns"], step["addr"], socket.SOCK_DGRAM)
                s.bind((step["addr"], step["port"]))
                socks[step["name"]] = s
            elif op == "send":
                data = bytes.fromhex(step["hex"])
                socks[step["from"]].sendto(data, (step["addr"], step["port"]))
                got, _ = socks[step["to"]].recvfrom(65535)
                if got != data:
                    raise RuntimeError("the datagram arrived changed")
                time.sleep(PACE)
            elif op == "listen":
                s = make(step["ns"], step["addr"], socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((step["addr"], step["port"]))
                s.listen(4)
                socks[step["name"]] = s
            elif op == "connect":
                s = make(step["ns"], step["addr"], socket.SOCK_STREAM)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.connect((step["addr"], step["port"]))
                socks[step["name"]] = s
                conn, _ = socks[step["listener"]].accept()
                conn.settimeout(TIMEOUT)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                socks[step["accepted"]] = conn
            elif op == "tsend":
                data = bytes.fromhex(step["hex"])
                socks[step["from"]].sendall(data)
                if recv_exactly(socks[step["to"]], len(data)) != data:
                    raise RuntimeError("the bytes arrived changed")
                time.sleep(PACE)
            elif op == "close":
                socks.pop(step["name"]).close()
                peer = socks.pop(step["peer"])
                if peer.recv(1) != b"":
                    raise RuntimeError("data instead of the end of the connection")
                peer.close()
            elif op == "sleep":
                time.sleep(float(step["seconds"]))
            else:
                raise RuntimeError("unknown step")
        except Exception as e:  # report which step failed
            print(f"step {i} {json.dumps(step)[:200]}: {e}", file=sys.stderr)
            return 1
    for s in socks.values():
        s.close()
    return 0


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        script = json.load(f)
    return run(script["steps"])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
