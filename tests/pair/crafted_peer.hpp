// A hand-made SSH peer for tests that need to break the rules: it frames packets with
// skiff's own PacketEncoder/PacketDecoder but decides itself what to send and when, so a
// test can send messages out of order, craft bad public values, pick its own sequence
// numbers, or claim a kex guess. As a client it can also run a real
// curve25519-sha256 exchange on its own (the exchange hash, the signature check and the
// key derivation are written here again, independently of transport_kex.cpp), so tests
// can see what a real skiff Transport accepts after NEWKEYS.
//
// CraftedLink connects one CraftedPeer with one real skiff Transport in memory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <skiff/transport.hpp>

#include "crypto/kex_math.hpp"
#include "crypto/packet_cipher.hpp"
#include "transport/kexinit.hpp"
#include "transport/packet_codec.hpp"
#include "transport/version.hpp"

namespace skiff::test {

inline constexpr const char* kStrictClientMarker = "kex-strict-c-v00@openssh.com";
inline constexpr const char* kStrictServerMarker = "kex-strict-s-v00@openssh.com";

// A KEXINIT with one algorithm per list (the crafted peer's own choice), plus the
// strict marker of the role when asked.
transport::KexInit crafted_kexinit(Role role, bool strict, std::string kex = "curve25519-sha256",
                                   std::string host_key = "ssh-ed25519",
                                   std::string cipher = "chacha20-poly1305@openssh.com",
                                   std::string mac = "hmac-sha2-256");

class CraftedPeer {
 public:
  explicit CraftedPeer(Role role, std::string software = "crafted_0.1");

  Role role() const noexcept { return role_; }

  // --- output toward the real transport
  void send_version();
  void send_raw(ByteView bytes);
  // Frames (and, after switch_outgoing_keys, seals) one payload.
  void send_packet(ByteView payload);
  // Sends the KEXINIT and remembers its payload for the exchange hash.
  void send_kexinit(const transport::KexInit& k);
  Bytes take_output();

  // --- input from the real transport
  void feed(ByteView bytes);
  // The next packet from the real transport, once its version line was read. Sets
  // decode_error and returns nullopt when the bytes do not decode (wrong keys or
  // sequence number, for example).
  std::optional<Bytes> next_packet();
  std::optional<Error> decode_error;
  const std::optional<transport::PeerVersion>& peer_version() const noexcept { return peer_version_; }
  const Bytes& peer_kexinit() const noexcept { return peer_kexinit_; }

  // --- client side of curve25519-sha256 (RFC 8731) with its own key derivation
  // Sends SSH_MSG_KEX_ECDH_INIT with a fresh X25519 key.
  void send_ecdh_init();
  // Checks SSH_MSG_KEX_ECDH_REPLY: decodes K_S, computes K and H, verifies the host key
  // signature over H (with the first host key algorithm of our KEXINIT), derives the keys for the negotiated ciphers and MACs.
  Result<void> on_ecdh_reply(ByteView payload, const std::string& cipher, const std::string& mac);
  // Sends NEWKEYS, then seals everything after it with the client-to-server keys. With
  // reset_sequence (strict KEX) the sequence number restarts at zero; without it, it
  // continues counting from the unencrypted packets.
  void send_newkeys_and_switch(bool reset_sequence);
  // Called when the server's NEWKEYS arrives: opens everything after it with the
  // server-to-client keys.
  void switch_incoming_keys(bool reset_sequence);
  const Bytes& exchange_hash() const noexcept { return h_; }
  const Bytes& server_host_key() const noexcept { return k_s_; }

  transport::PacketEncoder encoder;
  transport::PacketDecoder decoder;

 private:
  Role role_;
  std::string our_version_;  // without CR LF
  Bytes out_;
  Bytes in_;
  std::size_t in_pos_ = 0;
  transport::VersionReader version_reader_;
  std::optional<transport::PeerVersion> peer_version_;
  Bytes our_kexinit_, peer_kexinit_;
  std::string host_key_algorithm_;  // the first of our KEXINIT's list: what we accept
  std::optional<crypto::EcdhKey> ecdh_;
  Bytes h_, k_s_;
  crypto::DirectionKeys c2s_, s2c_;
};

// A real skiff Transport and a CraftedPeer back to back.
struct CraftedLink {
  CraftedLink(TransportConfig real_config, Role crafted_role);

  // Moves bytes both ways and collects the real transport's events until nothing moves.
  // Packets for the crafted peer are decoded into `received` (payloads, in order);
  // on_packet, when set, is called for each as it arrives (to switch keys at NEWKEYS).
  void run();
  // The received packets of this message type.
  std::size_t count_received(std::uint8_t type) const;

  Transport real;
  CraftedPeer peer;
  TimePoint now{};
  std::vector<TransportEvent> events;  // of the real transport, except Packet
  std::optional<event::Disconnected> disconnected;
  std::vector<Bytes> received;
  std::function<void(const Bytes&)> on_packet;
};

std::string describe(const std::optional<event::Disconnected>& d);

}  // namespace skiff::test
