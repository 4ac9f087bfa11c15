#!/usr/bin/env python3
"""Small, bounded traffic generator for the namespace tests (never more than the count asked for).

  traffic.py tcp-server PORT [COUNT]      accept COUNT connections, echo one message each
  traffic.py tcp-client HOST PORT [COUNT] open COUNT connections, send/receive, close
  traffic.py udp-server PORT [COUNT]      answer COUNT datagrams
  traffic.py udp-client HOST PORT [COUNT] [SPORT]  send COUNT datagrams and wait for each answer
  traffic.py ftp-hold HOST [PASV|EPSV]    log in anonymously, ask for a passive data port, print
                                          "ready" and hold the control connection until stdin closes
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


def ftp_hold(host, command):
    c = socket.create_connection((host, 21), timeout=TIMEOUT)
    f = c.makefile("rwb", buffering=0)

    def reply():
        line = f.readline().decode()
        while len(line) >= 4 and line[3] == "-":
            line = f.readline().decode()
        return line.strip()

    reply()
    for cmd in ("USER anonymous", "PASS ct@example.invalid", command):
        f.write((cmd + "\r\n").encode())
        answer = reply()
    print("ready " + answer, flush=True)
    sys.stdin.read()
    f.write(b"QUIT\r\n")
    c.close()


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
    elif mode == "ftp-hold":
        ftp_hold(argv[2], argv[3] if len(argv) > 3 else "PASV")
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
