#!/usr/bin/env python3
"""Writes the seed inputs in fuzz/corpus/<target>/ (run from anywhere; overwrites them).

The targets read their inputs through libFuzzer's FuzzedDataProvider: byte strings
from the front of the input, integers from the back (the first integer read is in the
last bytes; a multi-byte integer is little-endian in file order, and an integer in
[min, max] takes just enough bytes for max - min). Seed builds inputs in that layout
so that each seed takes its target down a chosen path: a full key exchange, a
rekey, each cipher mode, and so on. Nothing here is random: the seeds are the same
on every run.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


class Seed:
    """An input for FuzzedDataProvider: front bytes and back integers, in read order."""

    def __init__(self, head=b""):
        self.head = bytes(head)  # fixed leading bytes the target reads itself
        self.front = bytearray()
        self.ints = []  # (value - min, byte count), in the order the target reads them

    def bytes(self, b):
        self.front += b
        return self

    def int(self, value, lo=0, hi=255):
        span = hi - lo
        n = 0
        while n < 8 and (span >> (8 * n)) > 0:
            n += 1
        assert lo <= value <= hi
        self.ints.append((value - lo, n))
        return self

    def u8(self, v):
        return self.int(v, 0, 0xFF)

    def u16(self, v):
        return self.int(v, 0, 0xFFFF)

    def u32(self, v):
        return self.int(v, 0, 0xFFFFFFFF)

    def build(self):
        tail = b"".join(v.to_bytes(n, "little") for v, n in reversed(self.ints))
        return self.head + bytes(self.front) + tail


def write(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def ssh_string(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def name_list(names):
    return ssh_string(",".join(names))


def plain_packet(payload, block=8):
    """An unencrypted binary packet (RFC 4253 6) with zero padding."""
    pad = block - ((5 + len(payload)) % block)
    if pad < 4:
        pad += block
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + b"\0" * pad


def kexinit(kex, host_key="ssh-ed25519", cipher="chacha20-poly1305@openssh.com", mac="hmac-sha2-256",
            comp="none"):
    p = bytes([20]) + bytes(range(16))
    for lst in (kex, [host_key], [cipher], [cipher], [mac], [mac], [comp], [comp], [], []):
        p += name_list(lst)
    return p + b"\0" + b"\0\0\0\0"


# ---------------------------------------------------------------- fuzz_version
def with_length(stream):
    """stream followed by its length: read as the first integer in [0, remaining]."""
    s = Seed()
    s.bytes(stream)
    total = len(stream) + 1
    if total > 255:
        total += 1
    s.int(len(stream), 0, total)
    return s


def version_seeds():
    t = "fuzz_version"
    v = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
    write(t, "server_plain", b"\0" + with_length(v + b"\0\0\0\x14").build())
    write(t, "client_banner", b"\1" + with_length(b"Welcome\r\nno SSH here\n" + v).build())
    write(t, "old_199", b"\1" + with_length(b"SSH-1.99-Cisco-1.25\r\n").build())
    write(t, "v1_refused", b"\0" + with_length(b"SSH-1.5-old\r\n").build())
    # Chunked: 3-byte chunks (chunk sizes are read after the length).
    s = with_length(v)
    for _ in range(20):
        s.int(3, 1, 64)
    write(t, "chunked", b"\1" + s.build())
    write(t, "lf_only_comments", b"\0" + with_length(b"SSH-2.0-x y z\n").build())


# ---------------------------------------------------------------- fuzz_packet_decoder
def packet_seeds():
    t = "fuzz_packet_decoder"
    stream = plain_packet(kexinit(["curve25519-sha256"])) + plain_packet(b"\x02" + ssh_string("ignored"))
    write(t, "raw_none", b"\0" + with_length(stream).build())
    # zlib: each payload is a sync-flushed piece of one deflate stream.
    c = zlib.compressobj()
    z = b""
    for p in (b"\x05" + ssh_string("ssh-userauth"), b"\x02" + ssh_string("x" * 200)):
        z += plain_packet(c.compress(p) + c.flush(zlib.Z_SYNC_FLUSH))
    write(t, "raw_none_zlib", bytes([16]) + with_length(z).build())
    # Raw streams under each protection: a plausible length, then bytes that will not
    # authenticate (the decoder must reject them without delivering anything).
    for mode in range(1, 8):
        body = struct.pack(">I", 28) + bytes(range(60))
        write(t, "raw_mode%d" % mode, bytes([mode]) + with_length(body).build())
    # Sealed mode: payloads sealed by the target, then intact / one flipped byte / cut.
    payloads = [b"\x14" + b"k" * 40, b"\x02" + ssh_string("hello"), b"\x5e" + b"d" * 300]
    for mode in range(8):
        for damage in range(3):
            for zl in (0, 16) if mode in (0, 4) else (0,):
                s = Seed(bytes([8 | mode | zl]))
                s.int(len(payloads), 1, 8)
                for p in payloads:
                    s.int(len(p), 1, 2048)
                    s.bytes(p)
                s.int(damage, 0, 2)
                if damage:
                    # The offset's range depends on the sealed size; a value that fits any.
                    s.int(20, 0, 255)
                    if damage == 1:
                        s.u8(0x01)
                for _ in range(6):
                    s.int(37, 1, 4096)
                write(t, "sealed_mode%d_damage%d%s" % (mode, damage, "_zlib" if zl else ""), s.build())


# ---------------------------------------------------------------- fuzz_transport_server
def transport_server_seeds():
    t = "fuzz_transport_server"
    # Flags: bit0 version, bit1 KEXINIT, bits2-4 kex, bit5 strict+ext-info, bit6 method
    # messages, bit7 NEWKEYS; byte 1: cipher, MAC, zlib, ECDSA host key.
    for kex in range(8):
        for extra in (0x00, 0x60, 0xE0):
            f0 = 0x03 | (kex << 2) | extra
            write(t, "kex%d_%02x" % (kex, extra), bytes([f0, 0x00]) + with_length(b"").build())
    ignore = plain_packet(b"\x02" + ssh_string("pad"))
    debug = plain_packet(b"\x04\x01" + ssh_string("hello") + ssh_string(""))
    unknown = plain_packet(b"\x0b")
    write(t, "after_kexinit_msgs", bytes([0x03, 0x00]) + with_length(ignore + debug + unknown).build())
    # Everything in the stream itself: version, KEXINIT, ECDH_INIT with a 32-byte value.
    v = b"SSH-2.0-OpenSSH_9.2\r\n"
    k = plain_packet(kexinit(["curve25519-sha256", "kex-strict-c-v00@openssh.com", "ext-info-c"],
                             mac="hmac-sha2-256-etm@openssh.com", cipher="aes128-ctr"))
    e = plain_packet(b"\x1e" + ssh_string(bytes(range(1, 33))))
    nk = plain_packet(b"\x15")
    write(t, "stream_full", bytes([0x00, 0x00]) + with_length(v + k + e + nk + b"\0" * 64).build())
    # zlib and ECDSA host key, GEX with chunked input.
    s = with_length(b"\0" * 100)
    for _ in range(10):
        s.int(9, 1, 1024)
    write(t, "gex_chunked", bytes([0x03 | (3 << 2) | 0x60, 0xC0 | 0x0B]) + s.build())
    write(t, "disconnect", bytes([0x03, 0x00]) +
          with_length(plain_packet(b"\x01" + struct.pack(">I", 11) + ssh_string("bye") + ssh_string(""))).build())


# ---------------------------------------------------------------- fuzz_kex_client
def choice(kex=0, host_key=0, cipher=0, mac=0, zlib_=False, strict=True):
    # Mirrors take_choice() in fuzz_kex_client.cpp.
    a = kex + 6 * host_key + 24 * cipher + 144 * mac
    assert a < 0x1000
    if zlib_:
        a |= 0x1000
    if not strict:
        a |= 0x2000
    return a


def kex_client_seeds():
    t = "fuzz_kex_client"
    names = ["curve25519", "nistp256", "gex", "nistp384", "nistp521", "group14"]
    for kex in range(6):
        for hk in (0, 1, 2):
            s = Seed()
            s.u8(0x02)  # flags: ask for ssh-userauth
            s.u16(choice(kex, hk, cipher=(kex + hk) % 6, mac=(kex * 2 + hk) % 6, zlib_=(hk == 1)))
            if kex == 2:
                s.u8(0)  # DH_GEX_GROUP: the RFC 3526 2048-bit group
            s.u8(0)  # reply: valid
            s.u8(4 | 0x80)  # action: SERVICE_ACCEPT ssh-userauth
            s.u8(8)  # action: the client sends an upper-layer message
            s.int(3, 0, 256)
            s.bytes(b"\x32ab")
            s.u8(1)  # action: rekey from the server
            s.u16(choice((kex + 1) % 6, hk, cipher=(kex + 3) % 6, mac=(hk + 1) % 6))
            if (kex + 1) % 6 == 2:
                s.u8(0)
            s.u8(0)
            s.u8(13)  # action: end of stream
            write(t, "%s_hk%d" % (names[kex], hk), s.build())
    # Bad replies: one byte changed, fields from the fuzzer, another key, all fuzzer bytes.
    for mode, tag in ((0x01, "flip"), (0x22, "bad_ks"), (0x42, "bad_q"), (0x82, "bad_sig"), (0x10, "other_key"),
                      (0x03, "raw")):
        s = Seed()
        s.u8(0)
        s.u16(choice(0, 0))
        s.u8(mode)
        if mode == 0x01:
            s.int(60, 0, 255)
            s.int(0x40, 1, 255)
        elif mode == 0x03:
            s.int(8, 0, 1200)
            s.bytes(ssh_string("ab") + b"\0\0\0")
        else:
            s.int(4, 0, 600 if mode == 0x22 else 140 if mode == 0x42 else 300)
            s.bytes(b"\0\0\0\0")
        write(t, "reply_" + tag, s.build())
    # A group from the fuzzer.
    s = Seed()
    s.u8(0)
    s.u16(choice(2, 0))
    s.u8(1)
    s.int(5, 0, 1100)
    s.bytes(b"\x00\xff\xff\xff\xff")
    s.int(1, 0, 8)
    s.bytes(b"\x02")
    write(t, "gex_bad_group", s.build())
    # A client-initiated rekey, EXT_INFO, ping and debug, time passing, reject.
    s = Seed()
    s.u8(0x18)  # rekey limits: 1024 bytes, 60 s
    s.u16(choice(1, 1, cipher=4, mac=0))
    s.u8(0)
    s.u8(5)  # EXT_INFO with one extension
    s.int(1, 0, 4)
    s.int(1, 0, 3)  # ping@openssh.com
    s.int(1, 0, 80)
    s.bytes(b"0")
    s.u8(10)  # user_authenticated
    s.u8(2)  # client rekey
    s.u16(choice(5, 1))
    s.u8(0)
    s.u8(6 | 0x30)  # PING
    s.int(2, 0, 64)
    s.bytes(b"hi")
    s.u8(11)
    s.int(120, 1, 7200)
    write(t, "rekeys_extinfo", s.build())
    s = Seed()
    s.u8(0x01)  # reject the host key
    s.u16(choice(0, 0))
    s.u8(0)
    write(t, "reject", s.build())
    write(t, "zeros", b"\0" * 64)


# ---------------------------------------------------------------- fuzz_sftp_server
def sftp_msg(type_, body):
    return struct.pack(">IB", len(body) + 1, type_) + body


def sftp_seeds():
    t = "fuzz_sftp_server"
    u32 = lambda v: struct.pack(">I", v)
    u64 = lambda v: struct.pack(">Q", v)
    s = ssh_string
    handle0 = s(u32(0))
    handle1 = s(u32(1))
    attrs = u32(0x0000000F) + u64(4) + u32(1000) + u32(1000) + u32(0o100600) + u32(1) + u32(2)
    session = b"".join([
        sftp_msg(3, u32(1) + s(b"new") + u32(0x1A) + attrs),  # open write|create|trunc
        sftp_msg(6, u32(2) + handle0 + u64(0) + s(b"hello")),
        sftp_msg(5, u32(3) + handle0 + u64(0) + u32(100)),
        sftp_msg(8, u32(4) + handle0),
        sftp_msg(10, u32(5) + handle0 + u32(4) + u32(0o600)),
        sftp_msg(11, u32(6) + s(b".")),
        sftp_msg(12, u32(7) + handle1),
        sftp_msg(12, u32(8) + handle1),
        sftp_msg(4, u32(9) + handle1),
        sftp_msg(16, u32(10) + s(b"link/../dir")),
        sftp_msg(19, u32(11) + s(b"link")),
        sftp_msg(20, u32(12) + s(b"file") + s(b"sym")),
        sftp_msg(18, u32(13) + s(b"sym") + s(b"sym2")),
        sftp_msg(14, u32(14) + s(b"d2") + u32(0)),
        sftp_msg(15, u32(15) + s(b"d2")),
        sftp_msg(13, u32(16) + s(b"sym2")),
        sftp_msg(17, u32(17) + s(b"loop")),
        sftp_msg(7, u32(18) + s(b"loop")),
        sftp_msg(9, u32(19) + s(b"file") + u32(4) + u32(0o644)),
    ])
    ext = lambda i, name, body: sftp_msg(200, u32(i) + s(name) + body)
    extensions = b"".join([
        sftp_msg(3, u32(1) + s(b"file") + u32(1) + u32(0)),
        sftp_msg(3, u32(2) + s(b"copy") + u32(0x0A) + u32(0)),
        ext(3, b"posix-rename@openssh.com", s(b"file") + s(b"f2")),
        ext(4, b"statvfs@openssh.com", s(b".")),
        ext(5, b"fstatvfs@openssh.com", handle0),
        ext(6, b"hardlink@openssh.com", s(b"f2") + s(b"f3")),
        ext(7, b"fsync@openssh.com", handle1),
        ext(8, b"lsetstat@openssh.com", s(b"link") + u32(4) + u32(0o777)),
        ext(9, b"limits@openssh.com", b""),
        ext(10, b"expand-path@openssh.com", s(b"~/dir")),
        ext(11, b"copy-data", handle0 + u64(0) + u64(0) + handle1 + u64(0)),
        ext(12, b"home-directory", s(b"")),
        ext(13, b"users-groups-by-id@openssh.com", s(u32(0) + u32(1000)) + s(u32(1000))),
        ext(14, b"unknown@example.com", b"xyz"),
    ])
    init = sftp_msg(1, u32(3))
    write(t, "session", bytes([0x04 | 0x08 | (12 << 4)]) + session)
    write(t, "session_small_pieces", bytes([0x04 | 0x08 | (0 << 4)]) + session)
    write(t, "extensions", bytes([0x04 | 0x08 | (12 << 4)]) + extensions)
    write(t, "read_only_deny", bytes([0x07 | 0x08 | (12 << 4)]) + session + extensions)
    write(t, "own_init", bytes([0x08 | (12 << 4)]) + init + session)
    reads = b"".join(sftp_msg(5, u32(100 + i) + handle0 + u64(0) + u32(262144)) for i in range(8))
    write(t, "backpressure", bytes([0x04 | (12 << 4)]) + sftp_msg(3, u32(1) + s(b"file") + u32(1) + u32(0)) + reads)
    write(t, "oversized", bytes([0x04 | (12 << 4)]) + u32(0x40001) + b"x")


if __name__ == "__main__":
    version_seeds()
    packet_seeds()
    transport_server_seeds()
    kex_client_seeds()
    sftp_seeds()
