#!/usr/bin/env python3
"""Loopback helpers for the forwarding interop tests (tests/interop/test_forward_*.sh).

  echo-server ADDR READYFILE   echo every connection back; ADDR is PORT (127.0.0.1) or a
                               Unix socket path; READYFILE gets the port once listening
  send FILE ADDR [--socks HOST:PORT]
                               connect to ADDR (PORT, HOST:PORT or a path), possibly through
                               a SOCKS5 proxy (ssh -D) at 127.0.0.1:PORT, send FILE while
                               reading the echo; print the sha256 of what came back
  parallel N SIZE ADDR [--socks HOST:PORT]
                               N connections at once, SIZE random bytes each, echoed back;
                               print "ok N" when every one came back equal
  probe ADDR                   connect, send a byte, print "closed" if the far end closes
                               without echoing it, "echo" if it comes back
  hold ADDR                    connect, send a byte, read its echo, then wait for the far
                               end to close; print "eof" then
"""
import hashlib
import os
import socket
import struct
import sys
import threading


def parse_addr(a):
    if "/" in a:
        return socket.AF_UNIX, a
    if ":" in a:
        h, p = a.rsplit(":", 1)
        return socket.AF_INET, (h, int(p))
    return socket.AF_INET, ("127.0.0.1", int(a))


def connect(addr, socks=None):
    if socks:
        s = socket.create_connection(parse_addr(socks)[1], timeout=60)
        fam, target = parse_addr(addr)
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            raise SystemExit("socks: no method")
        host = target[0].encode()
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host + struct.pack(">H", target[1]))
        rep = b""
        while len(rep) < 10:
            d = s.recv(10 - len(rep))
            if not d:
                raise SystemExit("socks: closed")
            rep += d
        if rep[1] != 0:
            raise SystemExit("socks: refused %d" % rep[1])
        return s
    fam, target = parse_addr(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(target)
    return s


def echo_server(addr, ready):
    fam, target = parse_addr(addr)
    srv = socket.socket(fam, socket.SOCK_STREAM)
    if fam == socket.AF_INET:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(target)
    srv.listen(128)
    port = srv.getsockname()[1] if fam == socket.AF_INET else target
    with open(ready + ".tmp", "w") as f:
        f.write("%s\n" % port)
    os.rename(ready + ".tmp", ready)

    def serve(c):
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def exchange(s, data_iter):
    """Sends the chunks while reading the echo; returns sha256 of what came back."""
    h = hashlib.sha256()

    def reader():
        while True:
            d = s.recv(262144)
            if not d:
                break
            h.update(d)

    t = threading.Thread(target=reader)
    t.start()
    for chunk in data_iter:
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    t.join()
    s.close()
    return h.hexdigest()


def file_chunks(path):
    with open(path, "rb") as f:
        while True:
            d = f.read(262144)
            if not d:
                return
            yield d


def main():
    a = sys.argv[1:]
    socks = None
    if "--socks" in a:
        i = a.index("--socks")
        socks = a[i + 1]
        del a[i:i + 2]
    if a[0] == "echo-server":
        echo_server(a[1], a[2])
    elif a[0] == "send":
        print(exchange(connect(a[2], socks), file_chunks(a[1])))
    elif a[0] == "parallel":
        n, size, addr = int(a[1]), int(a[2]), a[3]
        bad = []

        def one(i):
            try:
                data = os.urandom(size)
                got = exchange(connect(addr, socks), [data])
                if got != hashlib.sha256(data).hexdigest():
                    bad.append(i)
            except Exception as e:  # noqa: BLE001 - any failure counts
                bad.append("%d: %s" % (i, e))

        ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print("ok %d" % n if not bad else "failed %s" % bad)
    elif a[0] == "probe":
        # A refused forward is closed by the client at once: EOF, or a reset / broken
        # pipe when our byte arrived after the close.
        try:
            s = connect(a[1], socks)
            s.sendall(b"x")
            d = s.recv(1)
            print("echo" if d == b"x" else "closed")
        except (ConnectionResetError, BrokenPipeError):
            print("closed")
        except OSError as e:
            print("error %s" % e.strerror)
    elif a[0] == "hold":
        s = connect(a[1], socks)
        s.settimeout(None)
        s.sendall(b"x")
        got = s.recv(1)
        print("echoed" if got == b"x" else "closed", flush=True)
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
        print("eof", flush=True)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
