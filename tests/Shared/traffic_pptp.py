#!/usr/bin/env python3
"""PPTP traffic between two test namespaces, driven from one process in a fixed order.

  traffic_pptp.py pptp NS_A NS_B ADDR_A ADDR_B VARIANT [PNS_CALL_ID] [PAC_CALL_ID]

Runs from the root namespace and makes its sockets inside the namespaces (setns on
/run/netns/NAME): A is the PNS (the client), B the PAC (the server, TCP port 1723). Traffic goes
only between the two namespaces. A real TCP connection carries crafted PPTP control messages
(RFC 2637), one per segment, each read by the peer before the next is sent; the call's data is
enhanced GRE (version 1, PPP, the receiver's call id) sent both ways over raw IPPROTO_GRE sockets.

VARIANT:
  outgoing  Start-Control-Connection, Outgoing-Call-Request/Reply, GRE A->B then B->A (twice),
            Call-Clear-Request, Call-Disconnect-Notify, then the control connection closes.
  incoming  Start-Control-Connection, Incoming-Call-Request/Reply/Connected, GRE B->A first then
            A->B (twice), Call-Disconnect-Notify, close.
  hangup    Start-Control-Connection, Outgoing-Call-Request/Reply, GRE both ways (twice), then the
            control connection closes with the call up (the helper's destroy ends the GRE connection).
  refused   Start-Control-Connection, Outgoing-Call-Request, a Reply refusing the call (result 3),
            a reply cut short, a reply with a bad magic cookie; GRE both ways anyway (no
            expectation: plain GRE flows), close.
"""
import ctypes
import os
import socket
import struct
import sys
import time

TIMEOUT = 10
PORT = 1723
MAGIC = 0x1A2B3C4D

START_SESSION_REQUEST = 1
START_SESSION_REPLY = 2
OUT_CALL_REQUEST = 7
OUT_CALL_REPLY = 8
IN_CALL_REQUEST = 9
IN_CALL_REPLY = 10
IN_CALL_CONNECT = 11
CALL_CLEAR_REQUEST = 12
CALL_DISCONNECT_NOTIFY = 13

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name):
    """Moves this thread into a named network namespace; sockets made afterwards live there."""
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), name)
    finally:
        os.close(fd)


def control(msg_type, body, cookie=MAGIC):
    """pptp_pkt_hdr (length, type 1 = control, magic cookie), PptpControlHeader, the message body."""
    return struct.pack("!HHIHH", 12 + len(body), 1, cookie, msg_type, 0) + body


def start_session_request():
    # version 1.0, framing and bearer capabilities, max channels, firmware, host name, vendor
    return control(START_SESSION_REQUEST, struct.pack("!HHIIHH64s64s", 0x0100, 0, 1, 1, 1, 1, b"pns", b"conntrack"))


def start_session_reply(result=1):
    return control(START_SESSION_REPLY, struct.pack("!HBBIIHH64s64s", 0x0100, result, 0, 1, 1, 1, 1, b"pac", b"conntrack"))


def out_call_request(call_id):
    # call id, serial, min/max bps, bearer, framing, window, delay, phone number length, reserved, phone, subaddress
    return control(OUT_CALL_REQUEST, struct.pack("!HHIIIIHHHH64s64s", call_id, 1, 2400, 10000000, 3, 3, 64, 0, 0, 0, b"", b""))


def out_call_reply(call_id, peer_call_id, result=1, cookie=MAGIC):
    # call id, peer's call id, result, error, cause, connect speed, window, delay, physical channel
    return control(OUT_CALL_REPLY, struct.pack("!HHBBHIHHI", call_id, peer_call_id, result, 0, 0, 10000000, 64, 0, 0), cookie)


def in_call_request(call_id):
    return control(IN_CALL_REQUEST, struct.pack("!HHIIHH64s64s64s", call_id, 1, 1, 0, 0, 0, b"", b"", b""))


def in_call_reply(call_id, peer_call_id, result=1):
    return control(IN_CALL_REPLY, struct.pack("!HHBBHHH", call_id, peer_call_id, result, 0, 64, 0, 0))


def in_call_connected(peer_call_id):
    return control(IN_CALL_CONNECT, struct.pack("!HHIHHI", peer_call_id, 0, 10000000, 64, 0, 1))


def call_clear_request(call_id):
    return control(CALL_CLEAR_REQUEST, struct.pack("!HH", call_id, 0))


def call_disconnect_notify(call_id):
    return control(CALL_DISCONNECT_NOTIFY, struct.pack("!HBBHH128s", call_id, 3, 0, 0, 0, b""))


def gre(call_id, seq, payload):
    """Enhanced GRE: key and sequence present, version 1, PPP; payload length, call id, sequence number."""
    return struct.pack("!HHHHI", 0x3001, 0x880B, len(payload), call_id, seq) + payload


def send_message(sender, receiver, data):
    sender.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = receiver.recv(len(data) - len(got))
        if not chunk:
            sys.exit("control connection closed early")
        got += chunk
    if got != data:
        sys.exit("control message changed on the way")


def raw_receive(sock, match):
    """The next packet on a raw IPv4 socket that match() accepts (its payload after the IP header)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        data = sock.recv(65535)
        data = data[(data[0] & 0x0F) * 4:]
        if match(data):
            return data


def gre_exchange(sender, receiver, to, call_id, seq):
    payload = b"ppp frame %d" % seq
    sender.sendto(gre(call_id, seq, payload), (to, 0))
    raw_receive(receiver, lambda p: p[6:8] == struct.pack("!H", call_id) and p.endswith(payload))


def pptp(ns_a, ns_b, addr_a, addr_b, variant, pns_id, pac_id):
    enter_netns(ns_b)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr_b, PORT))
    listener.listen(1)
    gre_b = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    enter_netns(ns_a)
    gre_a = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    pns = socket.create_connection((addr_b, PORT), timeout=TIMEOUT)
    listener.settimeout(TIMEOUT)
    pac, _ = listener.accept()
    pac.settimeout(TIMEOUT)
    for s in (pns, pac):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    send_message(pns, pac, start_session_request())
    send_message(pac, pns, start_session_reply())
    if variant in ("outgoing", "hangup"):
        send_message(pns, pac, out_call_request(pns_id))
        send_message(pac, pns, out_call_reply(pac_id, pns_id))
        for i in range(2):
            gre_exchange(gre_a, gre_b, addr_b, pac_id, 2 * i)
            gre_exchange(gre_b, gre_a, addr_a, pns_id, 2 * i + 1)
        if variant == "outgoing":
            send_message(pns, pac, call_clear_request(pns_id))
            send_message(pac, pns, call_disconnect_notify(pac_id))
    elif variant == "incoming":
        send_message(pac, pns, in_call_request(pac_id))
        send_message(pns, pac, in_call_reply(pns_id, pac_id))
        send_message(pac, pns, in_call_connected(pns_id))
        for i in range(2):
            gre_exchange(gre_b, gre_a, addr_a, pns_id, 2 * i)
            gre_exchange(gre_a, gre_b, addr_b, pac_id, 2 * i + 1)
        send_message(pac, pns, call_disconnect_notify(pac_id))
    elif variant == "refused":
        send_message(pns, pac, out_call_request(pns_id))
        send_message(pac, pns, out_call_reply(pac_id, pns_id, result=3))
        send_message(pns, pac, out_call_request(pns_id))
        send_message(pac, pns, out_call_reply(pac_id, pns_id)[:31])
        send_message(pac, pns, out_call_reply(pac_id, pns_id, cookie=MAGIC + 1))
        gre_exchange(gre_a, gre_b, addr_b, pac_id, 0)
        gre_exchange(gre_b, gre_a, addr_a, pns_id, 1)
    else:
        sys.exit("unknown variant " + variant)

    # An orderly close, client first: FIN, FIN/ACK, ACK.
    pns.shutdown(socket.SHUT_WR)
    if pac.recv(1) != b"":
        sys.exit("unexpected data at close")
    pac.close()
    if pns.recv(1) != b"":
        sys.exit("unexpected data at close")
    pns.close()
    listener.close()
    print("pptp %s done" % variant, flush=True)


def main(argv):
    if len(argv) < 7 or argv[1] != "pptp":
        sys.exit(__doc__)
    pns_id = int(argv[7], 0) if len(argv) > 7 else 0x1234
    pac_id = int(argv[8], 0) if len(argv) > 8 else 0x5678
    pptp(argv[2], argv[3], argv[4], argv[5], argv[6], pns_id, pac_id)


if __name__ == "__main__":
    main(sys.argv)
