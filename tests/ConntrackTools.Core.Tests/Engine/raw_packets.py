#!/usr/bin/env python3
"""Sends hand-made SCTP, GRE or UDP packets between two network namespaces made for a test, so the
kernel's conntrack sees exactly the packets that the engine's trackers are fed (needs root).

  raw_packets.py NS_A NS_B ADDR_A ADDR_B PROTO SPORT DPORT STEP...

PROTO is sctp, udp (SPORT/DPORT are ports) or gre (SPORT/DPORT ignored). A STEP is
  a:VTAG:CHUNK[,CHUNK...]   one SCTP packet from A to B ("b:" for B to A); CHUNK is
                            NAME[/INIT_TAG][+T], NAME one of INIT INIT_ACK DATA SACK HEARTBEAT
                            HEARTBEAT_ACK ABORT SHUTDOWN SHUTDOWN_ACK ERROR COOKIE_ECHO COOKIE_ACK
                            SHUTDOWN_COMPLETE or a number; VTAG and INIT_TAG are hex
  a:gre:VERSION:KEY         one GRE packet (version 0: plain, 1: PPTP with call id KEY)
  a:udp                     one UDP datagram from A's SPORT to B's DPORT ("b:udp" back)
  sleep:SECONDS
Each namespace keeps a raw socket of the protocol open, so no ICMP protocol-unreachable answers
are sent. At most 64 steps.
"""
import ctypes
import os
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)
NAMES = {"DATA": 0, "INIT": 1, "INIT_ACK": 2, "SACK": 3, "HEARTBEAT": 4, "HEARTBEAT_ACK": 5,
         "ABORT": 6, "SHUTDOWN": 7, "SHUTDOWN_ACK": 8, "ERROR": 9, "COOKIE_ECHO": 10,
         "COOKIE_ACK": 11, "SHUTDOWN_COMPLETE": 14}


def crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def chunk(spec):
    flags = 0
    if spec.endswith("+T"):
        flags = 1
        spec = spec[:-2]
    name, _, tag = spec.partition("/")
    ctype = NAMES[name] if name in NAMES else int(name)
    if ctype in (1, 2):
        body = struct.pack("!IIHHI", int(tag or "1", 16), 65535, 10, 10, 1)
    elif ctype == 0:
        body = struct.pack("!IHHI", 1, 0, 0, 0) + b"x"
    elif ctype == 3:
        body = struct.pack("!IIHH", 1, 65535, 0, 0)
    elif ctype in (4, 5):
        body = struct.pack("!HH", 1, 8) + b"beat"
    elif ctype == 7:
        body = struct.pack("!I", 1)
    elif ctype == 10:
        body = b"cookie!!"
    else:
        body = b""
    length = 4 + len(body)
    data = struct.pack("!BBH", ctype, flags, length) + body
    return data + b"\0" * (-len(data) % 4)


def sctp_packet(sport, dport, vtag, chunks):
    hdr = struct.pack("!HHII", sport, dport, vtag, 0)
    pkt = bytearray(hdr + b"".join(chunk(c) for c in chunks))
    struct.pack_into("<I", pkt, 8, crc32c(pkt))
    return bytes(pkt)


def gre_packet(version, key):
    if version == 1:
        # PPTP enhanced GRE: K bit, version 1, protocol PPP, payload length 0, call id.
        return struct.pack("!HHHH", 0x2001, 0x880B, 0, key)
    return struct.pack("!HH", 0, 0x0800)


def socket_in(ns, proto, port=None):
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
    finally:
        os.close(fd)
    if proto == 17:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", port))
        return s
    return socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)


def main():
    ns_a, ns_b, addr_a, addr_b, proto, sport, dport = sys.argv[1:8]
    steps = sys.argv[8:]
    if len(steps) > 64:
        sys.exit("at most 64 steps")
    number = {"sctp": 132, "gre": 47, "udp": 17}[proto]
    sport, dport = int(sport), int(dport)
    origin = os.open("/proc/self/ns/net", os.O_RDONLY)
    sock_a = socket_in(ns_a, number, sport)
    sock_b = socket_in(ns_b, number, dport)
    libc.setns(origin, CLONE_NEWNET)
    for step in steps:
        if step.startswith("sleep:"):
            time.sleep(float(step[6:]))
            continue
        side, _, rest = step.partition(":")
        if rest == "udp":
            if side == "a":
                sock_a.sendto(b"conntrack", (addr_b, dport))
            else:
                sock_b.sendto(b"conntrack", (addr_a, sport))
            time.sleep(0.05)
            continue
        if rest.startswith("gre:"):
            _, version, key = rest.split(":")
            pkt = gre_packet(int(version), int(key, 0))
        else:
            vtag, _, chunks = rest.partition(":")
            if side == "a":
                pkt = sctp_packet(sport, dport, int(vtag, 16), chunks.split(","))
            else:
                pkt = sctp_packet(dport, sport, int(vtag, 16), chunks.split(","))
        if side == "a":
            sock_a.sendto(pkt, (addr_b, 0))
        else:
            sock_b.sendto(pkt, (addr_a, 0))
        time.sleep(0.05)
    time.sleep(0.2)


if __name__ == "__main__":
    main()
