// The sans-I/O SSH transport (RFC 4253, RFC 8308, OpenSSH's PROTOCOL): version
// exchange, algorithm negotiation, key exchange, packet protection, rekeying.
//
// It does no I/O and reads no clock. Drive it like this:
//   transport.start(now);
//   loop:
//     send transport.pending_output() to the peer, then consume_output(n);
//     give received bytes to feed(bytes, now), the end of the stream to feed_eof(now);
//     while (auto ev = transport.poll_event()) handle *ev;
//     call on_timer(now) when next_deadline() passes.
// Messages of the layers above (userauth, connection: numbers 50 and up) go out with
// send() and come back as TransportEvent::Packet.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <skiff/error.hpp>
#include <skiff/key.hpp>
#include <skiff/version.hpp>

namespace skiff {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class Role : std::uint8_t { client, server };

// A finite-field group offered by a server for diffie-hellman-group-exchange-*
// (one line of an OpenSSH moduli file).
struct DhGexGroup {
  std::size_t bits = 0;  // the size of p
  Bytes p;               // unsigned big-endian
  Bytes g;
};
// Parses an OpenSSH moduli file (moduli(5)); malformed lines are skipped. With
// max_per_size, only that many groups of each size are decoded and kept, chosen at random:
// enough for a server to pick from, without holding (and decoding) a whole file of primes
// in every connection's memory.
std::vector<DhGexGroup> parse_moduli(std::string_view text, std::size_t max_per_size = 0);

struct TransportConfig {
  Role role = Role::client;
  // The software part of our identification string: SSH-2.0-<software_version>.
  std::string software_version = std::string("skiff_") + SKIFF_VERSION;
  std::string version_comments;

  // Preference lists; empty means skiff's defaults. Use apply_algorithm_spec() to turn
  // OpenSSH's "+x", "-x", "^x" forms into a list.
  std::vector<std::string> kex_algorithms;
  std::vector<std::string> host_key_algorithms;
  std::vector<std::string> ciphers;
  std::vector<std::string> macs;
  // "none" only unless compression is wanted: then {"zlib@openssh.com", "zlib", "none"}.
  std::vector<std::string> compression;

  // Server: the host keys. Host key algorithms without a key are not offered.
  std::vector<PrivateKey> host_keys;
  // Server: groups for diffie-hellman-group-exchange; empty means the built-in groups.
  std::vector<DhGexGroup> gex_groups;
  // Server: when set and gex_groups is empty, called once, at the first group exchange a
  // client negotiates, to fill gex_groups: a server reads its moduli file only for the
  // clients that ask for group exchange (most negotiate curve25519 and never need it).
  std::function<std::vector<DhGexGroup>()> gex_groups_loader;
  // Server: services a client may request (accepted automatically).
  std::vector<std::string> services = {"ssh-userauth"};
  // Server: advertised in server-sig-algs (RFC 8308); empty means skiff's defaults.
  std::vector<std::string> server_sig_algs;

  // Client: diffie-hellman-group-exchange sizes to ask for.
  std::uint32_t gex_min = 2048, gex_preferred = 3072, gex_max = 8192;

  // RekeyLimit: bytes per direction (0: the cipher's default, as OpenSSH) and time
  // (zero: none).
  std::uint64_t rekey_bytes = 0;
  std::chrono::seconds rekey_interval{0};

};

struct NegotiatedAlgorithms {
  std::string kex, host_key, cipher_c2s, cipher_s2c, mac_c2s, mac_s2c, compression_c2s, compression_s2c;
  bool strict_kex = false;
};

namespace event {
struct VersionReceived {
  std::string peer_version;               // the peer's identification line
  std::vector<std::string> banner_lines;  // lines a server sent before it
};
// Client: the server proved possession of this host key. Answer with
// accept_host_key() or reject_host_key(); nothing proceeds until then.
struct HostKeyCheck {
  Bytes host_key_blob;
  std::string algorithm;
};
struct KexComplete {
  NegotiatedAlgorithms algorithms;
  bool initial = false;
  std::uint64_t exchanges = 0;  // completed key exchanges so far, this one included
};
struct ServiceRequested {  // server: accepted automatically when in config.services
  std::string name;
};
struct ServiceAccepted {  // client
  std::string name;
};
struct ExtInfo {
  std::vector<std::pair<std::string, Bytes>> extensions;
};
struct Debug {
  bool always_display = false;
  std::string message;
};
struct Unimplemented {
  std::uint32_t sequence = 0;
};
struct Pong {
  Bytes data;
};
// A message for the layers above; the view is valid until the next call on the transport.
struct Packet {
  ByteView payload;
  std::uint32_t sequence = 0;  // its sequence number, for send_unimplemented()
};
struct Disconnected {
  Error error;
  bool by_peer = false;  // the peer's DISCONNECT, or the peer closed the stream
  std::uint32_t reason = 0;  // the DISCONNECT's reason code; 0 when no DISCONNECT came
  std::string description;
};
}  // namespace event

using TransportEvent =
    std::variant<event::VersionReceived, event::HostKeyCheck, event::KexComplete, event::ServiceRequested,
                 event::ServiceAccepted, event::ExtInfo, event::Debug, event::Unimplemented, event::Pong,
                 event::Packet, event::Disconnected>;

class Transport {
 public:
  explicit Transport(TransportConfig config);
  ~Transport();
  Transport(Transport&&) noexcept;
  Transport& operator=(Transport&&) noexcept;

  // Queues our identification string and our first KEXINIT.
  void start(TimePoint now);


  // Input. Bytes are copied into the transport's buffer; or, to avoid the copy, write
  // into input_space(n) and then commit_input(written).
  void feed(ByteView data, TimePoint now);
  std::span<std::uint8_t> input_space(std::size_t at_least);
  void commit_input(std::size_t n, TimePoint now);
  void feed_eof(TimePoint now);

  // The next event; nullopt when more input is needed or while waiting on the caller
  // (host key verdict).
  std::optional<TransportEvent> poll_event();

  // Output. The view stays valid until the next call on the transport; a runtime that
  // writes asynchronously should use take_output() instead, which hands over the bytes.
  ByteView pending_output() const noexcept;
  void consume_output(std::size_t n);
  // Moves all pending output into buffer (replacing its contents; its capacity is reused).
  void take_output(Bytes& buffer);
  bool has_output() const noexcept { return !pending_output().empty(); }

  // Time.
  std::optional<TimePoint> next_deadline() const;
  void on_timer(TimePoint now);

  // False while the transport takes no more input: waiting for the host key verdict, or
  // output is not being drained. A runtime stops reading then (memory stays bounded;
  // input fed anyway is capped and ends the connection beyond limits::kMaxUnprocessedInput).
  bool wants_input() const noexcept;

  // Upper-layer messages. While a key exchange runs they wait in a bounded queue;
  // can_send() turns false when that queue or the output buffer is full.
  Result<void> send(ByteView payload);
  bool can_send() const noexcept;

  void accept_host_key();
  void reject_host_key(std::string reason);
  void request_service(std::string name);  // client
  void request_rekey();
  Result<void> send_ping(ByteView data);  // only when the peer advertised ping@openssh.com
  Result<void> send_ignore(ByteView data);
  Result<void> send_debug(bool always_display, std::string_view message);
  // RFC 4253 11.4: the answer to a packet whose message number the layers above do not
  // know (event::Packet::sequence), in the order such packets arrived.
  Result<void> send_unimplemented(std::uint32_t sequence);
  // Sends DISCONNECT and closes; pending output should still be flushed.
  void disconnect(std::uint32_t reason, std::string description);
  // The userauth layer calls this when authentication succeeds (server: right after
  // send()ing USERAUTH_SUCCESS; client: on receiving it). From then on: delayed compression
  // (zlib@openssh.com) runs, starting exactly after the SUCCESS packet; rekeying by byte,
  // packet and time limits is automatic (never before, as OpenSSH); PINGs are answered.
  void user_authenticated();

  bool closed() const noexcept;
  bool kex_in_progress() const noexcept;
  ByteView session_id() const noexcept;
  const NegotiatedAlgorithms& algorithms() const noexcept;
  std::string_view peer_version() const noexcept;
  // Server-sig-algs from the server's EXT_INFO (client), empty until received.
  const std::vector<std::string>& server_sig_algs() const noexcept;
  bool peer_supports_ping() const noexcept;
  std::uint64_t exchanges_completed() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff
