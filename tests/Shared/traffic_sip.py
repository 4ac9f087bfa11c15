#!/usr/bin/env python3
"""SIP dialogues between the test namespaces, for the sip helper's parity tests (real sockets,
crafted SIP text, never more than the messages listed here).

  traffic_sip.py uas udp OWN PEER     in B: answer the UDP dialogue below on port 5060 (prints "ready")
  traffic_sip.py uac udp OWN PEER     in A: drive it from port 5060
  traffic_sip.py uas tcp OWN PEER     in B: answer the TCP dialogue below on port 5060 (prints "ready")
  traffic_sip.py uac tcp OWN PEER     in A: drive it from an ephemeral port
  traffic_sip.py edge-sink OWN PEER   in A: receive datagrams on port 5060 until none came for a second (prints "ready")
  traffic_sip.py edge-send OWN PEER   in B: one crafted datagram (below) to PEER:5060 from each of ports 6001..6014

OWN is the address the process writes into Via, Contact and SDP (its own), PEER the other side's.

UDP (A = UAC on 5060, B = UAS on 5060):
  A INVITE (SDP: audio 49170, video 49172)  ->  B 100 Trying, 180 Ringing, 200 OK (SDP: audio 49180
  with its own c= line, video 49182); A ACK; one RTP datagram A:49170 -> B:49180, echoed;
  A BYE -> B 200; A REGISTER (Contact A:5060, Expires 3600) -> B 200 (Contact ...;expires=3600);
  then B calls the registered contact from port 5070: INVITE (SDP audio 49190) -> A 486 Busy Here -> B ACK.
TCP (A connects to B:5060):
  A INVITE (SDP audio 49170) in one segment; B 100 Trying in one segment, then 180 Ringing and
  200 OK (SDP audio 49180) together in one segment; A ACK; A re-INVITE (SDP audio 49174) cut in
  two segments inside its body; B 200 OK (no SDP); A BYE -> B 200 OK; both close.
Edge cases (IPv4; B sends, each datagram the first of its own connection, A only receives):
  6001 INVITE (SDP audio 30000, video 30002)      6002 REGISTER, Contact ;expires=0x10 (hex)
  6003 REGISTER, Contact port 80                  6004 INVITE, m=audio 80
  6005 INVITE, SDP without c=                     6006 "SIP/2.0 abc" (no status code)
  6007 "INVITE sip" (10 bytes)                    6008 INVITE with a Latin-1 letter starting its URI
  6009 REGISTER in compact headers and continuation lines
  6010 INVITE, CSeq 4294967296 (0 in 32 bits)     6011 INVITE, c= address with leading zeros
  6012 INVITE, m=audio 4295007296 (beyond 32 bits)  6013 REGISTER whose Contact port ends the datagram
  6014 INVITE, m=audio with 15 digits (000000000030000)
"""
import socket
import sys
import time

PORT = 5060
TIMEOUT = 10
CALL_ID = "a84b4c76e66710@ctparity"


def host(address):
    return "[" + address + "]" if ":" in address else address


def family(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def sdp(own, audio, video=None, media_c=False):
    ip = "IP6" if ":" in own else "IP4"
    lines = ["v=0", f"o=ct 2890844526 2890844526 IN {ip} {own}", "s=-", f"c=IN {ip} {own}", "t=0 0",
             f"m=audio {audio} RTP/AVP 0"]
    if media_c:
        lines.append(f"c=IN {ip} {own}")
    lines.append("a=rtpmap:0 PCMU/8000")
    if video:
        lines += [f"m=video {video} RTP/AVP 31", "a=rtpmap:31 H261/90000"]
    return ("\r\n".join(lines) + "\r\n").encode()


def message(first, transport, own, own_port, peer, cseq, method, body=b"", extra=(), branch=None, contact=None):
    lines = [first,
             f"Via: SIP/2.0/{transport} {host(own)}:{own_port};branch=z9hG4bK{branch or cseq}",
             "Max-Forwards: 70",
             f"From: <sip:alice@{host(own)}>;tag=ct1",
             f"To: <sip:bob@{host(peer)}>",
             f"Call-ID: {CALL_ID}",
             f"CSeq: {cseq} {method}",
             contact or f"Contact: <sip:alice@{host(own)}:{own_port}>",
             *extra]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def request(method, transport, own, own_port, peer, peer_port, cseq, body=b"", extra=(), contact=None):
    return message(f"{method} sip:bob@{host(peer)}:{peer_port} SIP/2.0", transport, own, own_port, peer, cseq, method, body, extra,
                   contact=contact)


def response(status, transport, own, own_port, peer, cseq, method, body=b"", extra=(), contact=None):
    return message(f"SIP/2.0 {status}", transport, own, own_port, peer, cseq, method, body, extra, branch="r", contact=contact)


def method_of(data):
    text = data.decode(errors="replace")
    if text.startswith("SIP/2.0 "):
        return text.split(" ", 2)[1]
    return text.split(" ", 1)[0]


def udp_socket(address, port):
    s = socket.socket(family(address), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.settimeout(TIMEOUT)
    return s


def expect(sock, *wanted):
    data, peer = sock.recvfrom(65535)
    got = method_of(data)
    if got not in wanted:
        raise SystemExit(f"expected {wanted}, got {got}: {data[:60]!r}")
    return data, peer


def uac_udp(own, peer):
    sip = udp_socket(own, PORT)
    rtp = udp_socket(own, 49170)
    to = (peer, PORT)
    sip.sendto(request("INVITE", "UDP", own, PORT, peer, PORT, 1, sdp(own, 49170, 49172)), to)
    expect(sip, "100")
    expect(sip, "180")
    expect(sip, "200")
    sip.sendto(request("ACK", "UDP", own, PORT, peer, PORT, 1), to)
    rtp.sendto(b"\x80\x00\x00\x01" + bytes(8), (peer, 49180))
    rtp.recvfrom(2048)
    sip.sendto(request("BYE", "UDP", own, PORT, peer, PORT, 2), to)
    expect(sip, "200")
    sip.sendto(request("REGISTER", "UDP", own, PORT, peer, PORT, 3, extra=("Expires: 3600",)), to)
    expect(sip, "200")
    # The registrar calls the registered contact from another port: an expected connection.
    _, caller = expect(sip, "INVITE")
    sip.sendto(response("486 Busy Here", "UDP", own, PORT, peer, 1, "INVITE"), caller)
    expect(sip, "ACK")


def uas_udp(own, peer):
    sip = udp_socket(own, PORT)
    rtp = udp_socket(own, 49180)
    caller = udp_socket(own, 5070)
    print("ready", flush=True)
    _, a = expect(sip, "INVITE")
    sip.sendto(response("100 Trying", "UDP", own, PORT, peer, 1, "INVITE"), a)
    sip.sendto(response("180 Ringing", "UDP", own, PORT, peer, 1, "INVITE"), a)
    sip.sendto(response("200 OK", "UDP", own, PORT, peer, 1, "INVITE", sdp(own, 49180, 49182, media_c=True)), a)
    expect(sip, "ACK")
    data, media = rtp.recvfrom(2048)
    rtp.sendto(data, media)
    _, a = expect(sip, "BYE")
    sip.sendto(response("200 OK", "UDP", own, PORT, peer, 2, "BYE"), a)
    _, a = expect(sip, "REGISTER")
    # The registrar confirms the binding of the registering UA's contact.
    sip.sendto(response("200 OK", "UDP", own, PORT, peer, 3, "REGISTER", extra=("Expires: 3600",),
                        contact=f"Contact: <sip:alice@{host(peer)}:{PORT}>;expires=3600"), a)
    caller.sendto(request("INVITE", "UDP", own, 5070, peer, PORT, 1, sdp(own, 49190)), (peer, PORT))
    expect(caller, "486")
    caller.sendto(request("ACK", "UDP", own, 5070, peer, PORT, 1), (peer, PORT))


class Framed:
    """SIP messages over a TCP stream, framed by Content-Length."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def read(self, *wanted):
        while True:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if len(rest) >= length:
                    msg = head + sep + rest[:length]
                    self.buffer = rest[length:]
                    got = method_of(msg)
                    if got not in wanted:
                        raise SystemExit(f"expected {wanted}, got {got}: {msg[:60]!r}")
                    return msg
            chunk = self.sock.recv(65535)
            if not chunk:
                raise SystemExit(f"connection closed while waiting for {wanted}")
            self.buffer += chunk


def uac_tcp(own, peer):
    c = socket.create_connection((peer, PORT), timeout=TIMEOUT)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    port = c.getsockname()[1]
    f = Framed(c)
    c.sendall(request("INVITE", "TCP", own, port, peer, PORT, 1, sdp(own, 49170)))
    f.read("100")
    f.read("180")
    f.read("200")
    c.sendall(request("ACK", "TCP", own, port, peer, PORT, 1))
    reinvite = request("INVITE", "TCP", own, port, peer, PORT, 2, sdp(own, 49174))
    cut = len(reinvite) - 40  # inside the SDP body
    c.sendall(reinvite[:cut])
    time.sleep(0.2)
    c.sendall(reinvite[cut:])
    f.read("200")
    c.sendall(request("BYE", "TCP", own, port, peer, PORT, 3))
    f.read("200")
    c.shutdown(socket.SHUT_WR)
    while c.recv(65535):
        pass
    c.close()


def uas_tcp(own, peer):
    s = socket.socket(family(own), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((own, PORT))
    s.listen(1)
    s.settimeout(TIMEOUT)
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = Framed(c)
    f.read("INVITE")
    c.sendall(response("100 Trying", "TCP", own, PORT, peer, 1, "INVITE"))
    time.sleep(0.1)
    c.sendall(response("180 Ringing", "TCP", own, PORT, peer, 1, "INVITE")
              + response("200 OK", "TCP", own, PORT, peer, 1, "INVITE", sdp(own, 49180)))
    f.read("ACK")
    f.read("INVITE")
    c.sendall(response("200 OK", "TCP", own, PORT, peer, 2, "INVITE"))
    f.read("BYE")
    c.sendall(response("200 OK", "TCP", own, PORT, peer, 3, "BYE"))
    while c.recv(65535):
        pass
    c.close()


def edge_messages(own, peer):
    o, p = host(own), host(peer)

    def invite(port, body, cseq="1"):
        return (f"INVITE sip:alice@{p} SIP/2.0\r\nVia: SIP/2.0/UDP {o}:{port}\r\nCSeq: {cseq} INVITE\r\n"
                f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    def register(port, contact):
        return request("REGISTER", "UDP", own, port, peer, PORT, 1, extra=("Expires: 60",), contact=contact)

    zeros = ".".join(f"{int(part):03d}" for part in own.split("."))
    return {
        6001: request("INVITE", "UDP", own, 6001, peer, PORT, 1, sdp(own, 30000, 30002)),
        6002: register(6002, f"Contact: <sip:bob@{o}:{PORT}>;expires=0x10"),
        6003: register(6003, f"Contact: <sip:bob@{o}:80>"),
        6004: invite(6004, sdp(own, 80)),
        6005: invite(6005, b"v=0\r\nm=audio 30010 RTP/AVP 0\r\n"),
        6006: b"SIP/2.0 abc Bad\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        6007: b"INVITE sip",
        6008: invite(6008, sdp(own, 30020)).replace(b"INVITE sip:", b"INVITE \xe9sip:", 1),
        6009: (f"REGISTER sip:{p} SIP/2.0\r\nv: SIP/2.0/UDP {o}:6009\r\ni: x@y\r\nCSeq:\r\n 2 REGISTER\r\n"
               f"m: \"B\"\r\n <sip:bob@{o}:5070>;expires=60\r\nl: 0\r\n\r\n").encode(),
        6010: invite(6010, sdp(own, 30030), cseq="4294967296"),
        6011: invite(6011, sdp(own, 30040).replace(f"c=IN IP4 {own}".encode(), f"c=IN IP4 {zeros}".encode())),
        6012: invite(6012, sdp(own, 30050).replace(b"m=audio 30050", b"m=audio 4295007296")),
        6013: (f"REGISTER sip:{p} SIP/2.0\r\nCSeq: 1 REGISTER\r\nExpires: 60\r\nContact: <sip:bob@{o}:5062").encode(),
        6014: invite(6014, sdp(own, 30060).replace(b"m=audio 30060", b"m=audio 000000000030000")),
    }


def edge_sink(own, peer):
    s = udp_socket(own, PORT)
    s.settimeout(1)
    print("ready", flush=True)
    try:
        while True:
            s.recvfrom(65535)
    except socket.timeout:
        pass


def edge_send(own, peer):
    for port, data in edge_messages(own, peer).items():
        s = udp_socket(own, port)
        try:
            s.sendto(data, (peer, PORT))
        finally:
            s.close()
        time.sleep(0.02)


def main(argv):
    if len(argv) == 4 and argv[1] in ("edge-sink", "edge-send"):
        (edge_sink if argv[1] == "edge-sink" else edge_send)(argv[2], argv[3])
        return
    if len(argv) != 5 or argv[1] not in ("uas", "uac") or argv[2] not in ("udp", "tcp"):
        raise SystemExit(__doc__)
    role, transport, own, peer = argv[1:]
    {("uac", "udp"): uac_udp, ("uas", "udp"): uas_udp, ("uac", "tcp"): uac_tcp, ("uas", "tcp"): uas_tcp}[(role, transport)](own, peer)


if __name__ == "__main__":
    main(sys.argv)
