#!/usr/bin/env python3
"""Replays handcrafted TCP segments through the real kernel's conntrack, for TcpTrackerTests.

Reads one JSON object on stdin:
  {"a": NS, "b": NS, "a_addr": IP, "b_addr": IP,
   "cases": [{"cport": N, "sport": N, "sysctls": {NAME: VALUE},
              "packets": [{"reply": bool, "flags": N, "seq": N, "ack": N, "win": N,
                           "options": HEX, "payload": N, "observe": bool}]}]}
Original-direction segments go from A (a_addr:cport) to B (b_addr:sport) through A's OUTPUT hook,
reply ones from B to A through A's PREROUTING, so every segment passes A's conntrack once. Neither
stack may answer: B drops TCP in its input hook; A must accept it there (entries are confirmed at
LOCAL_IN) and drop, in OUTPUT before conntrack, TCP without the mark 0x7c that A's segments carry. After each segment
marked "observe" it records A's conntrack entries for the port pair (/proc/net/nf_conntrack) and
how much A's INVALID counter rose. Prints a JSON list (per case, a list of observations).
Raw packets go only between the two namespaces given.
"""
import ctypes
import json
import os
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
MARK = 0x7C
libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
    finally:
        os.close(fd)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, p):
    options = bytes.fromhex(p.get("options", ""))
    payload = b"x" * p.get("payload", 0)
    doff = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, p["seq"] & 0xFFFFFFFF, p["ack"] & 0xFFFFFFFF,
                      doff << 4, p["flags"], p.get("win", 64240), 0, 0) + options + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def tcp_in_segs():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Tcp:")]
    return int(rows[1][rows[0].index("InSegs")])


def wait_delivered(before):
    """A segment from B has passed A's PREROUTING conntrack and LOCAL_IN once TCP counts it."""
    deadline = time.monotonic() + 5
    while tcp_in_segs() == before:
        if time.monotonic() > deadline:
            raise TimeoutError("a segment from B did not reach A")
        time.sleep(0.0005)


def invalid_count():
    with open("/proc/net/stat/nf_conntrack") as f:
        lines = f.read().split("\n")[1:]
    return sum(int(line.split()[4], 16) for line in lines if line.strip())


def entries(cport, sport):
    result = []
    with open("/proc/net/nf_conntrack") as f:
        for line in f:
            words = line.split()
            if len(words) < 6 or words[2] != "tcp":
                continue
            fields = {}
            tuples = []
            flags = set()
            for w in words[5:]:
                if w.startswith("["):
                    flags.add(w.strip("[]"))
                elif "=" in w:
                    k, v = w.split("=", 1)
                    if k == "src":
                        tuples.append({})
                    if tuples and k in ("src", "dst", "sport", "dport", "packets", "bytes") and k not in tuples[-1]:
                        tuples[-1][k] = v
                    else:
                        fields[k] = v
            if len(tuples) < 2:
                continue
            ports = {int(tuples[0]["sport"]), int(tuples[0]["dport"])}
            if ports != {cport, sport}:
                continue
            result.append({
                "state": words[5],
                "timeout": int(words[4]),
                "orig_src": tuples[0]["src"],
                "orig_sport": int(tuples[0]["sport"]),
                "orig_packets": int(tuples[0].get("packets", "0")),
                "reply_packets": int(tuples[1].get("packets", "0")),
                "assured": "ASSURED" in flags,
                "unreplied": "UNREPLIED" in flags,
            })
    return result


def sysctl(name, value):
    with open(f"/proc/sys/net/netfilter/{name}", "w") as f:
        f.write(str(value))


def main():
    spec = json.load(sys.stdin)
    setns(spec["b"])
    sock_b = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    setns(spec["a"])
    sock_a = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    # A's own TCP answers are dropped in OUTPUT before conntrack unless they carry this mark.
    sock_a.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, MARK)
    a, b = spec["a_addr"], spec["b_addr"]
    out = []
    for case in spec["cases"]:
        cport, sport = case["cport"], case["sport"]
        saved = {}
        for name, value in case.get("sysctls", {}).items():
            with open(f"/proc/sys/net/netfilter/{name}") as f:
                saved[name] = f.read().strip()
            sysctl(name, value)
        observations = []
        try:
            for p in case["packets"]:
                before = invalid_count()
                if p["reply"]:
                    segs = tcp_in_segs()
                    sock_b.sendto(segment(b, a, sport, cport, p), (a, 0))
                    wait_delivered(segs)
                else:
                    # OUTPUT runs conntrack in sendto itself.
                    sock_a.sendto(segment(a, b, cport, sport, p), (b, 0))
                if p.get("observe", True):
                    observations.append({"invalid": invalid_count() - before, "entries": entries(cport, sport)})
        finally:
            for name, value in saved.items():
                sysctl(name, value)
        out.append(observations)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
