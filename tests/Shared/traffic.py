#!/usr/bin/env python3
"""Small, bounded traffic generator for the namespace tests (never more than the count asked for).

  traffic.py tcp-server PORT [COUNT]      accept COUNT connections, echo one message each
  traffic.py tcp-client HOST PORT [COUNT] open COUNT connections, send/receive, close
  traffic.py udp-server PORT [COUNT]      answer COUNT datagrams
  traffic.py udp-client HOST PORT [COUNT] [SPORT]  send COUNT datagrams and wait for each answer
"""
import socket
import sys

TIMEOUT = 10


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def tcp_server(port, count):
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(128)
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    for _ in range(count):
        c, _ = s.accept()
        c.settimeout(TIMEOUT)
        data = c.recv(1024)
        c.sendall(data)
        c.close()


def tcp_client(host, port, count):
    for _ in range(count):
        c = socket.create_connection((host, port), timeout=TIMEOUT)
        c.sendall(b"hello conntrack")
        c.recv(1024)
        c.close()


def udp_server(port, count):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    for _ in range(count):
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)


def udp_client(host, port, count, sport=0):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    if sport:
        s.bind(("::" if ":" in host else "0.0.0.0", sport))
    s.settimeout(TIMEOUT)
    for _ in range(count):
        s.sendto(b"ping", (host, port))
        s.recvfrom(2048)


def main(argv):
    mode = argv[1]
    if mode == "tcp-server":
        tcp_server(int(argv[2]), int(argv[3]) if len(argv) > 3 else 1)
    elif mode == "tcp-client":
        tcp_client(argv[2], int(argv[3]), int(argv[4]) if len(argv) > 4 else 1)
    elif mode == "udp-server":
        udp_server(int(argv[2]), int(argv[3]) if len(argv) > 3 else 1)
    elif mode == "udp-client":
        udp_client(argv[2], int(argv[3]), int(argv[4]) if len(argv) > 4 else 1, int(argv[5]) if len(argv) > 5 else 0)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
