#!/usr/bin/env python3
"""FTP control-channel driver for the helper parity tests.

  traffic_ftp.py commands HOST CMD...   log in anonymously, send each command, print each reply
                                        (a command whose reply never comes is reported, not fatal)
"""
import socket
import sys

TIMEOUT = 5


def commands(host, cmds):
    c = socket.create_connection((host, 21), timeout=TIMEOUT)
    f = c.makefile("rwb", buffering=0)

    def reply():
        line = f.readline().decode()
        while len(line) >= 4 and line[3] == "-":
            line = f.readline().decode()
        return line.strip()

    reply()
    for cmd in ["USER anonymous", "PASS ct@example.invalid"] + cmds:
        f.write((cmd + "\r\n").encode())
        try:
            print(cmd + " -> " + reply(), flush=True)
        except socket.timeout:
            print(cmd + " -> (no reply)", flush=True)
            break
    f.write(b"QUIT\r\n")
    try:
        reply()
    except socket.timeout:
        pass
    c.close()


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "commands":
        sys.exit(__doc__)
    commands(sys.argv[2], sys.argv[3:])
