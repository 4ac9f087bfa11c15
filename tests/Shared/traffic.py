#!/usr/bin/env python3
"""Small, bounded traffic generator for the namespace tests (never more than the count asked for).

  traffic.py tcp-server PORT [COUNT]      accept COUNT connections, echo one message each
  traffic.py tcp-client HOST PORT [COUNT] open COUNT connections, send/receive, close
  traffic.py udp-server PORT [COUNT]      answer COUNT datagrams
  traffic.py udp-client HOST PORT [COUNT] [SPORT]  send COUNT datagrams and wait for each answer
  traffic.py ftp-hold HOST [PASV|EPSV]    log in anonymously, ask for a passive data port, print
                                          "ready" and hold the control connection until stdin closes
  traffic.py http-server PORT BYTES [COUNT] answer COUNT HTTP/1.0 GETs with BYTES of body, server closes first
  traffic.py http-client HOST PORT [COUNT] COUNT HTTP/1.0 GETs, each on its own connection, read to EOF
  traffic.py tcp-hold HOST PORT SECONDS   connect, print "ready", hold the connection SECONDS, close
  traffic.py tcp-abort-server PORT        accept one connection, read, then close with RST (SO_LINGER 0)
  traffic.py tcp-abort-client HOST PORT   connect, send, and expect the server's RST
  traffic.py tcp-refused HOST PORT        connect to a closed port and expect ECONNREFUSED (the RST)
  traffic.py tcp-syn HOST PORT [SECONDS]  connect to a port where SYNs are dropped; give up after SECONDS
                                          (default 0.5, so only the first SYN is sent)
  traffic.py udp-send HOST PORT [COUNT]   send COUNT datagrams and expect no answer (a one-way flow,
                                          or a closed port that answers ICMP port unreachable)
  traffic.py udp-sink PORT [COUNT]        receive COUNT datagrams, answer none
  traffic.py dns-server PORT [COUNT]      answer COUNT DNS queries (A records: 192.0.2.80, AAAA: 2001:db8::80)
  traffic.py dns-client HOST PORT NAME... one DNS query per NAME (A, or AAAA for names starting "v6."), wait for each answer
  traffic.py ftp-commands HOST CMD...     log in anonymously, send each command, print each reply
  traffic.py tftp-read HOST [FILE]        send one TFTP read request to HOST:69; expect no answer
  traffic.py sctp-available               exit 0 when this kernel makes SCTP sockets, 1 when not
  traffic.py sctp-server PORT             accept one SCTP association, echo one message (real sockets)
  traffic.py sctp-client HOST PORT        one SCTP association: send, receive, close (real sockets)

The next modes run from the root namespace and make their sockets inside two namespaces (setns on
/run/netns/NAME), so one process drives both ends in a fixed order; traffic still goes only
between the two namespaces.

  traffic.py tcp-simopen NS_A NS_B ADDR_A ADDR_B PORT_A PORT_B
      TCP simultaneous open: B's egress on veth0 is slowed with an htb class (tc) and one filler
      frame (ethertype 0x88b5) empties its bucket, so B's SYN waits in the queue while A's SYN
      reaches B in SYN_SENT; both sides send SYN and SYN/ACK. Then one echo and close.
  traffic.py sctp-assoc NS_A NS_B ADDR_A ADDR_B PORT_A PORT_B
      An SCTP association in raw IPPROTO_SCTP packets (for kernels without SCTP sockets): INIT,
      INIT_ACK, COOKIE_ECHO, COOKIE_ACK, DATA/SACK each way, SHUTDOWN, SHUTDOWN_ACK,
      SHUTDOWN_COMPLETE, with real verification tags and CRC32c.
  traffic.py gre-exchange NS_A NS_B ADDR_A ADDR_B [COUNT]
      COUNT GRE (version 0) packets from A to B, each answered by B, over raw IPPROTO_GRE sockets.
"""
import ctypes
import os
import select
import socket
import struct
import subprocess
import sys
import time

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


def ftp_login(host):
    """An anonymous FTP control connection to HOST:21: (socket, send(line) -> reply)."""
    c = socket.create_connection((host, 21), timeout=TIMEOUT)
    f = c.makefile("rwb", buffering=0)

    def reply():
        line = f.readline().decode()
        while len(line) >= 4 and line[3] == "-":
            line = f.readline().decode()
        return line.strip()

    def send(cmd):
        f.write((cmd + "\r\n").encode())
        return reply()

    reply()
    send("USER anonymous")
    send("PASS ct@example.invalid")
    return c, send


def ftp_hold(host, command):
    c, send = ftp_login(host)
    print("ready " + send(command), flush=True)
    sys.stdin.read()
    c.sendall(b"QUIT\r\n")
    c.close()


def ftp_commands(host, commands):
    """Sends each command on one control connection and prints its reply; a command left unanswered ends the session."""
    c, send = ftp_login(host)
    for cmd in commands:
        try:
            print(cmd + " -> " + send(cmd), flush=True)
        except socket.timeout:
            print(cmd + " -> (no reply)", flush=True)
            break
    c.sendall(b"QUIT\r\n")
    c.close()


def http_server(port, size, count):
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(16)
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    body = (b"conntrack parity test page\n" * (size // 27 + 1))[:size]
    for _ in range(count):
        c, _ = s.accept()
        c.settimeout(TIMEOUT)
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = c.recv(4096)
            if not chunk:
                break
            request += chunk
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % size + body)
        c.close()


def http_client(host, port, count):
    for _ in range(count):
        c = socket.create_connection((host, port), timeout=TIMEOUT)
        c.sendall(b"GET /index.txt HTTP/1.0\r\nHost: lab.example\r\nUser-Agent: traffic.py\r\n\r\n")
        while c.recv(65536):
            pass
        c.close()


def tcp_hold(host, port, seconds):
    c = socket.create_connection((host, port), timeout=TIMEOUT)
    print("ready", flush=True)
    time.sleep(seconds)
    c.close()


def tcp_abort_server(port):
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(1)
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    c.recv(1024)
    c.sendall(b"partial answer")
    # Linger 0: close() sends RST instead of FIN (tcp_disconnect).
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def tcp_abort_client(host, port):
    c = socket.create_connection((host, port), timeout=TIMEOUT)
    c.sendall(b"hello conntrack")
    try:
        while c.recv(1024):
            pass
        sys.exit("expected a reset, got an orderly close")
    except ConnectionResetError:
        pass
    c.close()


def tcp_refused(host, port):
    try:
        socket.create_connection((host, port), timeout=TIMEOUT).close()
    except ConnectionRefusedError:
        return
    sys.exit("expected ECONNREFUSED")


def tcp_syn(host, port, seconds):
    try:
        socket.create_connection((host, port), timeout=seconds).close()
    except (socket.timeout, TimeoutError):
        return
    sys.exit("expected no answer")


def udp_send(host, port, count):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.connect((host, port))
    for i in range(count):
        try:
            s.send(b"one way %d" % i)
        except ConnectionRefusedError:
            pass  # the previous datagram's ICMP port unreachable, reported on this socket
        time.sleep(0.05)
    s.close()


def udp_sink(port, count):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    for _ in range(count):
        s.recvfrom(2048)


def dns_server(port, count):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    for _ in range(count):
        query, peer = s.recvfrom(512)
        qid, = struct.unpack_from("!H", query)
        end = 12
        while query[end]:
            end += query[end] + 1
        question = query[12:end + 5]
        qtype, = struct.unpack_from("!H", query, end + 1)
        rdata = socket.inet_pton(socket.AF_INET6, "2001:db8::80") if qtype == 28 else socket.inet_aton("192.0.2.80")
        answer = struct.pack("!HHHI", 0xC00C, qtype, 1, 300) + struct.pack("!H", len(rdata)) + rdata
        s.sendto(struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + answer, peer)


def dns_client(host, port, names):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    for n, name in enumerate(names):
        qname = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
        qtype = 28 if name.startswith("v6.") else 1
        s.sendto(struct.pack("!HHHHHH", 0x1000 + n, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", qtype, 1), (host, port))
        s.recvfrom(512)


def tftp_read(host, name):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.sendto(b"\x00\x01" + name.encode() + b"\x00octet\x00", (host, 69))
    s.close()


def sctp_available():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP).close()
    except OSError:
        sys.exit(1)


def sctp_server(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(1)
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    c.sendall(c.recv(1024))
    while c.recv(1024):
        pass
    c.close()


def sctp_client(host, port):
    c = socket.socket(family(host), socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    c.settimeout(TIMEOUT)
    c.connect((host, port))
    c.sendall(b"hello conntrack")
    c.recv(1024)
    c.close()


# --- two namespaces from one process --------------------------------------------------------

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


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


def link_address(ns):
    out = subprocess.run(["ip", "-n", ns, "-br", "link", "show", "veth0"], check=True, capture_output=True, text=True).stdout
    return out.split()[2]


def static_neighbours(ns_a, ns_b, addr_a, addr_b):
    """Permanent neighbour entries both ways, so no ARP or ND runs in the middle of a scenario."""
    for ns, addr, mac in ((ns_a, addr_b, link_address(ns_b)), (ns_b, addr_a, link_address(ns_a))):
        subprocess.run(["ip", "-n", ns, "neigh", "replace", addr, "lladdr", mac, "dev", "veth0", "nud", "permanent"], check=True)


def wait_connected(socks):
    deadline = time.monotonic() + TIMEOUT
    pending = list(socks)
    while pending:
        _, writable, _ = select.select([], pending, [], max(0, deadline - time.monotonic()))
        if not writable:
            sys.exit("simultaneous open did not complete")
        for s in writable:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                sys.exit("simultaneous open failed: " + os.strerror(err))
            pending.remove(s)


def queue_empty(ns):
    out = subprocess.run(["tc", "-n", ns, "-s", "qdisc", "show", "dev", "veth0"], capture_output=True, text=True).stdout
    return "backlog 0b 0p" in out


def tcp_simopen(ns_a, ns_b, addr_a, addr_b, port_a, port_b):
    fam = family(addr_a)
    static_neighbours(ns_a, ns_b, addr_a, addr_b)
    tc = ["tc", "-n", ns_b]
    subprocess.run(tc + ["qdisc", "add", "dev", "veth0", "root", "handle", "1:", "htb", "default", "1"], check=True)
    try:
        # 2 kbit/s with a one-byte bucket: each frame holds the next one back by its own length,
        # 60 bytes of filler = 240 ms. htb warns that the quantum is small; that is the point.
        subprocess.run(tc + ["class", "add", "dev", "veth0", "parent", "1:", "classid", "1:1", "htb",
                             "rate", "2kbit", "ceil", "2kbit", "burst", "1", "cburst", "1"],
                       check=True, stderr=subprocess.DEVNULL)
        enter_netns(ns_b)
        filler = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        filler.bind(("veth0", 0))
        b = socket.socket(fam, socket.SOCK_STREAM)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        b.bind((addr_b, port_b))
        b.setblocking(False)
        enter_netns(ns_a)
        a = socket.socket(fam, socket.SOCK_STREAM)
        a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        a.bind((addr_a, port_a))
        a.setblocking(False)
        mac = filler.getsockname()[4]
        filler.send(b"\xff" * 6 + mac + b"\x88\xb5" + b"conntrack parity: queue filler".ljust(46, b"\0"))
        b.connect_ex((addr_a, port_a))  # B's SYN waits in B's htb queue behind the filler
        a.connect_ex((addr_b, port_b))  # A's SYN reaches B while B is in SYN_SENT
        wait_connected([a, b])
        deadline = time.monotonic() + TIMEOUT
        while not queue_empty(ns_b):
            if time.monotonic() > deadline:
                sys.exit("htb queue in " + ns_b + " did not drain")
            time.sleep(0.05)
    finally:
        subprocess.run(tc + ["qdisc", "del", "dev", "veth0", "root"])
    for s in (a, b):
        s.setblocking(True)
        s.settimeout(TIMEOUT)
    a.sendall(b"hello conntrack")
    b.sendall(b.recv(1024))
    a.recv(1024)
    a.close()
    while b.recv(1024):
        pass
    b.close()
    print("simultaneous open done", flush=True)


def raw_receive(sock, v4, match):
    """The next packet on a raw socket that match() accepts (its payload after the IP header)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        data = sock.recv(65535)
        if v4:
            data = data[(data[0] & 0x0F) * 4:]
        if match(data):
            return data


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = CRC32C[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def sctp_chunk(ctype, flags, value=b""):
    length = 4 + len(value)
    return struct.pack("!BBH", ctype, flags, length) + value + b"\0" * (-length % 4)


def sctp_packet(sport, dport, vtag, *chunks):
    body = struct.pack("!HHII", sport, dport, vtag, 0) + b"".join(chunks)
    # RFC 9260 appendix A: CRC32c over the packet with the checksum zeroed, stored little-endian
    # as Linux's sctp_compute_cksum does.
    return body[:8] + struct.pack("<I", crc32c(body)) + body[12:]


def sctp_chunks(packet):
    chunks, off = [], 12
    while off + 4 <= len(packet):
        ctype, flags, length = struct.unpack_from("!BBH", packet, off)
        chunks.append((ctype, flags, packet[off + 4:off + length]))
        off += length + (-length % 4)
    return chunks


SCTP_DATA, SCTP_INIT, SCTP_INIT_ACK, SCTP_SACK = 0, 1, 2, 3
SCTP_SHUTDOWN, SCTP_SHUTDOWN_ACK, SCTP_COOKIE_ECHO, SCTP_COOKIE_ACK, SCTP_SHUTDOWN_COMPLETE = 7, 8, 10, 11, 14


def sctp_assoc(ns_a, ns_b, addr_a, addr_b, port_a, port_b):
    fam = family(addr_a)
    v4 = fam == socket.AF_INET
    enter_netns(ns_b)
    sb = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_SCTP)
    enter_netns(ns_a)
    sa = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_SCTP)
    tag_a, tag_b, tsn_a, tsn_b = 0x0A0A0001, 0x0B0B0001, 1000, 5000
    cookie = b"parity-cookie-01"

    def a_to_b(vtag, *chunks):
        sa.sendto(sctp_packet(port_a, port_b, vtag, *chunks), (addr_b, 0))
        pkt = raw_receive(sb, v4, lambda p: struct.unpack_from("!HH", p) == (port_a, port_b))
        return sctp_chunks(pkt)

    def b_to_a(vtag, *chunks):
        sb.sendto(sctp_packet(port_b, port_a, vtag, *chunks), (addr_a, 0))
        pkt = raw_receive(sa, v4, lambda p: struct.unpack_from("!HH", p) == (port_b, port_a))
        return sctp_chunks(pkt)

    def expect(chunks, ctype):
        if not chunks or chunks[0][0] != ctype:
            sys.exit("sctp: expected chunk %d, got %r" % (ctype, chunks))
        return chunks[0]

    # Association setup (RFC 9260 5.1): INIT carries vtag 0 and A's tag; the rest carry the peer's.
    expect(a_to_b(0, sctp_chunk(SCTP_INIT, 0, struct.pack("!IIHHI", tag_a, 65536, 1, 1, tsn_a))), SCTP_INIT)
    state_cookie = struct.pack("!HH", 7, 4 + len(cookie)) + cookie
    expect(b_to_a(tag_a, sctp_chunk(SCTP_INIT_ACK, 0, struct.pack("!IIHHI", tag_b, 65536, 1, 1, tsn_b) + state_cookie)), SCTP_INIT_ACK)
    expect(a_to_b(tag_b, sctp_chunk(SCTP_COOKIE_ECHO, 0, cookie)), SCTP_COOKIE_ECHO)
    expect(b_to_a(tag_a, sctp_chunk(SCTP_COOKIE_ACK, 0)), SCTP_COOKIE_ACK)
    # One DATA chunk each way (flags B|E: a whole message), each acknowledged by a SACK.
    expect(a_to_b(tag_b, sctp_chunk(SCTP_DATA, 3, struct.pack("!IHHI", tsn_a, 0, 0, 0) + b"hello conntrack")), SCTP_DATA)
    expect(b_to_a(tag_a, sctp_chunk(SCTP_SACK, 0, struct.pack("!IIHH", tsn_a, 65536, 0, 0))), SCTP_SACK)
    expect(b_to_a(tag_a, sctp_chunk(SCTP_DATA, 3, struct.pack("!IHHI", tsn_b, 0, 0, 0) + b"hello back")), SCTP_DATA)
    expect(a_to_b(tag_b, sctp_chunk(SCTP_SACK, 0, struct.pack("!IIHH", tsn_b, 65536, 0, 0))), SCTP_SACK)
    # Graceful shutdown (RFC 9260 9.2).
    expect(a_to_b(tag_b, sctp_chunk(SCTP_SHUTDOWN, 0, struct.pack("!I", tsn_b))), SCTP_SHUTDOWN)
    expect(b_to_a(tag_a, sctp_chunk(SCTP_SHUTDOWN_ACK, 0)), SCTP_SHUTDOWN_ACK)
    expect(a_to_b(tag_b, sctp_chunk(SCTP_SHUTDOWN_COMPLETE, 0)), SCTP_SHUTDOWN_COMPLETE)
    print("sctp association done", flush=True)


def gre_exchange(ns_a, ns_b, addr_a, addr_b, count):
    fam = family(addr_a)
    v4 = fam == socket.AF_INET
    enter_netns(ns_b)
    sb = socket.socket(fam, socket.SOCK_RAW, 47)
    enter_netns(ns_a)
    sa = socket.socket(fam, socket.SOCK_RAW, 47)
    # GRE version 0 (RFC 2784) carrying ethertype 0x88b5 (local experimental): nothing decodes it.
    for i in range(count):
        sa.sendto(struct.pack("!HH", 0, 0x88B5) + b"gre request %d" % i, (addr_b, 0))
        raw_receive(sb, v4, lambda p: p[4:15] == b"gre request")
        sb.sendto(struct.pack("!HH", 0, 0x88B5) + b"gre answer %d" % i, (addr_a, 0))
        raw_receive(sa, v4, lambda p: p[4:14] == b"gre answer")
    print("gre exchange done", flush=True)


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
    elif mode == "ftp-commands":
        ftp_commands(argv[2], argv[3:])
    elif mode == "ftp-hold":
        ftp_hold(argv[2], argv[3] if len(argv) > 3 else "PASV")
    elif mode == "http-server":
        http_server(int(argv[2]), int(argv[3]), int(argv[4]) if len(argv) > 4 else 1)
    elif mode == "http-client":
        http_client(argv[2], int(argv[3]), int(argv[4]) if len(argv) > 4 else 1)
    elif mode == "tcp-hold":
        tcp_hold(argv[2], int(argv[3]), float(argv[4]))
    elif mode == "tcp-abort-server":
        tcp_abort_server(int(argv[2]))
    elif mode == "tcp-abort-client":
        tcp_abort_client(argv[2], int(argv[3]))
    elif mode == "tcp-refused":
        tcp_refused(argv[2], int(argv[3]))
    elif mode == "tcp-syn":
        tcp_syn(argv[2], int(argv[3]), float(argv[4]) if len(argv) > 4 else 0.5)
    elif mode == "udp-send":
        udp_send(argv[2], int(argv[3]), int(argv[4]) if len(argv) > 4 else 1)
    elif mode == "udp-sink":
        udp_sink(int(argv[2]), int(argv[3]) if len(argv) > 3 else 1)
    elif mode == "dns-server":
        dns_server(int(argv[2]), int(argv[3]) if len(argv) > 3 else 1)
    elif mode == "dns-client":
        dns_client(argv[2], int(argv[3]), argv[4:])
    elif mode == "tftp-read":
        tftp_read(argv[2], argv[3] if len(argv) > 3 else "index.txt")
    elif mode == "sctp-available":
        sctp_available()
    elif mode == "sctp-server":
        sctp_server(int(argv[2]))
    elif mode == "sctp-client":
        sctp_client(argv[2], int(argv[3]))
    elif mode == "tcp-simopen":
        tcp_simopen(argv[2], argv[3], argv[4], argv[5], int(argv[6]), int(argv[7]))
    elif mode == "sctp-assoc":
        sctp_assoc(argv[2], argv[3], argv[4], argv[5], int(argv[6]), int(argv[7]))
    elif mode == "gre-exchange":
        gre_exchange(argv[2], argv[3], argv[4], argv[5], int(argv[6]) if len(argv) > 6 else 2)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
