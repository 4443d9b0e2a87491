// The state behind skiff::Transport, shared by transport.cpp (buffers, packet
// dispatch, the public calls) and transport_kex.cpp (the key exchange state machine).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <skiff/transport.hpp>

#include "crypto/packet_cipher.hpp"
#include "transport/kex_method.hpp"
#include "transport/kexinit.hpp"
#include "transport/packet_codec.hpp"
#include "transport/version.hpp"

namespace skiff {

// Picks the server's host key for a negotiated algorithm.
class ConfigHostKeySigner : public transport::HostKeySigner {
 public:
  ConfigHostKeySigner(const PrivateKey& key) : key_(key) {}
  wire::Bytes public_blob() const override { return key_.public_blob(); }
  Result<wire::Bytes> sign(std::string_view algorithm, wire::ByteView data) const override {
    return key_.sign(algorithm, data);
  }

 private:
  const PrivateKey& key_;
};

struct Transport::Impl {
  explicit Impl(TransportConfig c);

  // --- configuration, resolved
  TransportConfig cfg;
  std::vector<std::string> kex_list, host_key_list, cipher_list, mac_list, compression_list;

  // --- buffers
  crypto::SecureBytes in;  // decrypted in place: may hold passwords, wiped when freed
  std::size_t in_pos = 0;  // first unconsumed input byte
  std::size_t in_end = 0;  // end of received input; in.size() beyond it is spare room
  Bytes out;
  std::size_t out_pos = 0;  // first byte not yet taken by the caller
  TimePoint now{};
  bool started = false;
  bool eof = false;
  bool closed = false;
  std::deque<TransportEvent> events;

  // --- version exchange
  transport::VersionReader version_reader;
  std::string our_version;  // without CR LF
  std::optional<transport::PeerVersion> peer;

  // --- packets
  transport::PacketEncoder encoder;
  transport::PacketDecoder decoder;
  std::uint64_t packets_received = 0;

  // --- key exchange
  bool kex_running = false;         // we sent KEXINIT and have not finished this exchange
  bool peer_kexinit_seen = false;   // peer's KEXINIT of this exchange received
  bool newkeys_sent = false;
  bool newkeys_received = false;
  bool awaiting_verdict = false;
  bool verdict_rejected = false;
  bool ignore_next_kex_packet = false;
  bool initial = true;  // no exchange completed yet
  bool strict = false;
  bool peer_ext_info_c = false;  // server: client offered ext-info-c
  std::uint64_t exchanges = 0;
  std::uint32_t our_kexinit_seq = 0;
  transport::KexInit our_kexinit_msg;
  Bytes our_kexinit, peer_kexinit;
  transport::Negotiated negotiated;
  NegotiatedAlgorithms algorithms;
  std::unique_ptr<transport::KexMethod> method;
  std::unique_ptr<transport::HostKeySigner> signer;
  std::optional<transport::KexResult> kex_result;
  crypto::DirectionKeys pending_out, pending_in;
  std::string compression_out, compression_in;  // in force since the last NEWKEYS
  Bytes session_id;
  Bytes host_key_blob;  // the server's key from the first exchange
  std::optional<TimePoint> rekey_at;
  std::uint64_t rekey_bytes_out = 0, rekey_bytes_in = 0;

  // --- above the transport
  // Messages waiting for the exchange to end. An empty entry is a marker: delayed
  // compression starts when the flush reaches it (right after USERAUTH_SUCCESS went out).
  std::deque<crypto::SecureBytes> queued;
  std::size_t queued_bytes = 0;
  bool authenticated = false;
  bool delayed_compression_on = false;
  std::optional<Error> config_error;  // reported at start()
  bool service_active = false;
  std::string service_requested;  // client
  std::vector<std::string> server_sig_algs;
  bool peer_ping = false;

  // transport.cpp
  Result<void> send_packet(ByteView payload);
  Result<void> queue_or_send(ByteView payload);
  bool must_queue() const noexcept { return initial ? !newkeys_sent : (kex_running && !newkeys_sent); }
  void flush_queue();
  void fail_connection(Error e, std::uint32_t reason);
  void peer_disconnected(ByteView payload);
  std::optional<TransportEvent> process_packet(ByteView payload);
  Result<std::optional<TransportEvent>> dispatch(ByteView payload);
  void check_rekey_limits();
  void compact_input();

  // transport_kex.cpp
  Result<void> send_kexinit();
  Result<void> on_kexinit(ByteView payload);
  Result<void> on_kex_message(ByteView payload);
  Result<void> on_newkeys(ByteView payload);
  Result<void> after_method_done();
  Result<void> send_newkeys();
  void derive_keys();
  void maybe_finish_kex();
  void enable_compression_where_due();
  void apply_rekey_limits();
};

}  // namespace skiff
