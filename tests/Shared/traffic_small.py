#!/usr/bin/env python3
"""Crafted traffic for the IRC, SANE, Amanda, NetBIOS-NS and SNMP helper parity tests: real
sockets between the test namespaces carrying the payloads the kernel's helpers read. Bounded:
every mode handles the one exchange it is asked for and times out after TIMEOUT seconds.

Payload arguments are Python byte-string escapes: "PRIVMSG bob :\\x01DCC CHAT chat 167772161 5000\\x01\\n".

  traffic_small.py tcp-lines-server PORT [DIAL_HOST DIAL_PORT]
      accept one connection; answer every segment with "ok\\r\\n" until the client closes; then,
      with DIAL_HOST, open one connection to DIAL_HOST:DIAL_PORT (an IRC DCC offer taken up).
  traffic_small.py tcp-lines-client HOST PORT [--listen PORT] LINE...
      connect, send each LINE as its own segment and wait for the answer to it, close; with
      --listen, listen on PORT from the start and accept one connection after closing.
  traffic_small.py sane-server PORT DATA_PORT STATUS ZERO [LISTEN]
      accept one connection; answer the 8-byte SANE_NET_START request with status, zero, port
      (and a resource name); with LISTEN=1 accept one data connection on DATA_PORT too.
  traffic_small.py sane-client HOST PORT RPC [CONNECT_PORT]
      connect, send the 8-byte request RPC (7 is SANE_NET_START), read the reply; with
      CONNECT_PORT connect there afterwards (the data connection).
  traffic_small.py udp-answer PORT REPLY [--count N] [--v4] [--listen PORT]...
      receive N datagrams (default 1) on PORT, any address (IPv4 only with --v4, which IPv4
      broadcasts need), answer each with REPLY; then accept one connection on each --listen PORT
      (Amanda's data ports).
  traffic_small.py udp-ask HOST PORT PAYLOAD [--broadcast] [--device DEV] [--sport N] [--no-answer] [--connect PORT]...
      send PAYLOAD to HOST:PORT (SO_BROADCAST with --broadcast, SO_BINDTODEVICE with --device, which
      the limited broadcast needs in a namespace without a default route) and wait for one answer
      unless --no-answer; then connect to HOST on each --connect PORT, send a little and close.
"""
import codecs
import socket
import struct
import sys
import time

TIMEOUT = 10


def unescape(s):
    return codecs.escape_decode(s.encode())[0]


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listener(port):
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(8)
    s.settimeout(TIMEOUT)
    return s


def accept_one(s):
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    c.recv(100)
    c.close()


def dial(host, port):
    d = socket.create_connection((host, port), timeout=TIMEOUT)
    d.sendall(b"data")
    d.close()


def tcp_lines_server(port, dial_to):
    s = listener(port)
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    while True:
        data = c.recv(4096)
        if not data:
            break
        c.sendall(b"ok\r\n")
    c.close()
    if dial_to:
        dial(*dial_to)


def tcp_lines_client(host, port, args):
    listen_port, lines = 0, []
    i = 0
    while i < len(args):
        if args[i] == "--listen":
            listen_port = int(args[i + 1])
            i += 2
        else:
            lines.append(unescape(args[i]))
            i += 1
    extra = listener(listen_port) if listen_port else None
    c = socket.create_connection((host, port), timeout=TIMEOUT)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for line in lines:
        c.sendall(line)
        c.recv(100)  # the answer: each line goes alone in its segment
    c.close()
    if extra:
        accept_one(extra)
    time.sleep(0.2)


def sane_server(port, data_port, status, zero, listen):
    s = listener(port)
    extra = listener(data_port) if listen else None
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    req = b""
    while len(req) < 8:
        chunk = c.recv(8 - len(req))
        if not chunk:
            break
        req += chunk
    # struct sane_reply_net_start: status, zero, port; then the resource name (a SANE string).
    c.sendall(struct.pack(">IHH", status, zero, data_port) + struct.pack(">I", 1) + b"\0")
    if extra:
        accept_one(extra)
    c.recv(100)
    c.close()


def sane_client(host, port, rpc, connect_port=0):
    c = socket.create_connection((host, port), timeout=TIMEOUT)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(struct.pack(">II", rpc, 1))
    c.recv(100)
    if connect_port:
        dial(host, connect_port)
    c.close()
    time.sleep(0.2)


def udp_answer(port, reply, args):
    count, v4, listens = 1, False, []
    i = 0
    while i < len(args):
        if args[i] == "--count":
            count = int(args[i + 1])
            i += 2
        elif args[i] == "--v4":
            v4 = True
            i += 1
        elif args[i] == "--listen":
            listens.append(int(args[i + 1]))
            i += 2
        else:
            raise SystemExit("unknown option " + args[i])
    if v4:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", port))
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
    s.settimeout(TIMEOUT)
    extras = [listener(p) for p in listens]
    print("ready", flush=True)
    for _ in range(count):
        _, peer = s.recvfrom(2048)
        s.sendto(reply, peer)
    for e in extras:
        accept_one(e)


def udp_ask(host, port, payload, args):
    broadcast, device, sport, answer, connects = False, None, 0, True, []
    i = 0
    while i < len(args):
        if args[i] == "--broadcast":
            broadcast = True
            i += 1
        elif args[i] == "--device":
            device = args[i + 1]
            i += 2
        elif args[i] == "--sport":
            sport = int(args[i + 1])
            i += 2
        elif args[i] == "--no-answer":
            answer = False
            i += 1
        elif args[i] == "--connect":
            connects.append(int(args[i + 1]))
            i += 2
        else:
            raise SystemExit("unknown option " + args[i])
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    if broadcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if device:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
    if sport:
        s.bind(("::" if ":" in host else "0.0.0.0", sport))
    s.settimeout(TIMEOUT)
    s.sendto(payload, (host, port))
    if answer:
        s.recvfrom(2048)
    for p in connects:
        dial(host, p)


def main(argv):
    mode, args = argv[1], argv[2:]
    if mode == "tcp-lines-server":
        tcp_lines_server(int(args[0]), (args[1], int(args[2])) if len(args) > 2 else None)
    elif mode == "tcp-lines-client":
        tcp_lines_client(args[0], int(args[1]), args[2:])
    elif mode == "sane-server":
        sane_server(int(args[0]), int(args[1]), int(args[2]), int(args[3]), len(args) > 4 and args[4] == "1")
    elif mode == "sane-client":
        sane_client(args[0], int(args[1]), int(args[2]), int(args[3]) if len(args) > 3 else 0)
    elif mode == "udp-answer":
        udp_answer(int(args[0]), unescape(args[1]), args[2:])
    elif mode == "udp-ask":
        udp_ask(args[0], int(args[1]), unescape(args[2]), args[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
