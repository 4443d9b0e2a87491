#!/usr/bin/env python3
"""Echo servers and checking clients for the forwarding tests (test_forward_*.sh).

  fwd_tool.py serve ADDR                 echo server; ADDR is PORT (127.0.0.1) or unix:PATH;
                                         prints "ready" once listening
  fwd_tool.py echo ADDR SIZE [N]         N connections at once (default 1), each sends SIZE
                                         random bytes and checks that the same bytes (sha256)
                                         come back; prints "ok N x SIZE"
  fwd_tool.py socks5 PROXYPORT HOST PORT SIZE [N]   the same through a SOCKS5 proxy

  fwd_tool.py sink ADDR                  a server that reads everything, then answers the count
  fwd_tool.py push PORT SIZE             sends SIZE bytes to 127.0.0.1:PORT (a sink), checks the
                                         count it answers; prints the wall time in ms

SIZE takes a K/M/G suffix. Exits 1 with the reason on stderr when anything differs.
"""
import hashlib
import os
import socket
import socketserver
import sys
import threading


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:].upper(), 1)
    return int(s[:-1] if mult > 1 else s) * mult


def connect(addr):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr[5:])
    else:
        s = socket.create_connection(("127.0.0.1", int(addr)))
    return s


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                break
            self.request.sendall(data)
        try:
            self.request.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Sink(socketserver.BaseRequestHandler):
    def handle(self):
        buf = bytearray(1 << 20)
        total = 0
        while True:
            n = self.request.recv_into(buf)
            if not n:
                break
            total += n
        self.request.sendall(b"%d\n" % total)


class TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


class UnixServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    request_queue_size = 128


def serve(addr, handler=Echo):
    if addr.startswith("unix:"):
        srv = UnixServer(addr[5:], handler)
        os.chmod(addr[5:], 0o777)
    else:
        srv = TcpServer(("127.0.0.1", int(addr)), handler)
    print("ready", flush=True)
    srv.serve_forever()


def exchange(sock, size, errors):
    """Sends size random bytes while reading the echo; compares digests."""
    sent = hashlib.sha256()
    got = hashlib.sha256()
    received = [0]

    def reader():
        while True:
            data = sock.recv(1 << 16)
            if not data:
                break
            received[0] += len(data)
            got.update(data)

    t = threading.Thread(target=reader)
    t.start()
    block = os.urandom(1 << 16)
    left = size
    i = 0
    while left > 0:
        # Each block differs (a counter in front) so that a reordering shows.
        chunk = (i.to_bytes(8, "big") + block)[: min(left, len(block) + 8)]
        sock.sendall(chunk)
        sent.update(chunk)
        left -= len(chunk)
        i += 1
    sock.shutdown(socket.SHUT_WR)
    t.join()
    sock.close()
    if received[0] != size or sent.digest() != got.digest():
        errors.append("sent %d bytes, got %d back, sha256 %s" % (size, received[0],
                                                                   "equal" if sent.digest() == got.digest() else "different"))


def socks5_connect(proxy_port, host, port):
    s = socket.create_connection(("127.0.0.1", proxy_port))
    s.sendall(b"\x05\x01\x00")
    if s.recv(2) != b"\x05\x00":
        raise OSError("SOCKS5 method refused")
    name = host.encode()
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + port.to_bytes(2, "big"))
    reply = b""
    while len(reply) < 10:
        more = s.recv(10 - len(reply))
        if not more:
            raise OSError("SOCKS5 proxy closed")
        reply += more
    if reply[1] != 0:
        raise OSError("SOCKS5 reply %d" % reply[1])
    return s


def run_many(opener, size, n):
    errors = []

    def one():
        try:
            exchange(opener(), size, errors)
        except OSError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.stderr.write("%d of %d failed: %s\n" % (len(errors), n, errors[0]))
        sys.exit(1)
    print("ok %d x %d" % (n, size))


def push(port, size):
    import time
    block = memoryview(os.urandom(1 << 20))
    s = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    left = size
    while left > 0:
        n = min(left, len(block))
        s.sendall(block[:n])
        left -= n
    s.shutdown(socket.SHUT_WR)
    answer = b""
    while True:
        more = s.recv(64)
        if not more:
            break
        answer += more
    ms = (time.monotonic() - t0) * 1000
    if answer.strip() != str(size).encode():
        sys.exit("the sink got %r bytes, %d sent" % (answer.strip(), size))
    print("%d" % ms)


def main():
    cmd = sys.argv[1]
    if cmd == "serve":
        serve(sys.argv[2])
    elif cmd == "sink":
        serve(sys.argv[2], Sink)
    elif cmd == "push":
        push(int(sys.argv[2]), parse_size(sys.argv[3]))
    elif cmd == "echo":
        n = int(sys.argv[4]) if len(sys.argv) > 4 else 1
        run_many(lambda: connect(sys.argv[2]), parse_size(sys.argv[3]), n)
    elif cmd == "socks5":
        n = int(sys.argv[6]) if len(sys.argv) > 6 else 1
        run_many(lambda: socks5_connect(int(sys.argv[2]), sys.argv[3], int(sys.argv[4])), parse_size(sys.argv[5]), n)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
