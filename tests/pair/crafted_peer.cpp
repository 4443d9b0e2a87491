#include "pair/crafted_peer.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "crypto/hash.hpp"
#include "keys/ssh_key.hpp"
#include "transport/messages.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::test {

namespace msg = transport::msg;

transport::KexInit crafted_kexinit(Role role, bool strict, std::string kex, std::string host_key,
                                   std::string cipher, std::string mac) {
  transport::KexInit k;
  crypto::random_bytes(k.cookie);
  k.kex = {std::move(kex)};
  if (strict) k.kex.push_back(role == Role::client ? kStrictClientMarker : kStrictServerMarker);
  k.host_key = {std::move(host_key)};
  k.cipher_c2s = k.cipher_s2c = {std::move(cipher)};
  k.mac_c2s = k.mac_s2c = {std::move(mac)};
  k.compression_c2s = k.compression_s2c = {"none"};
  return k;
}

namespace {

crypto::CipherAlg cipher_by_name(std::string_view n) {
  if (n == "aes128-ctr") return crypto::CipherAlg::aes128_ctr;
  if (n == "aes192-ctr") return crypto::CipherAlg::aes192_ctr;
  if (n == "aes256-ctr") return crypto::CipherAlg::aes256_ctr;
  if (n == "aes128-gcm@openssh.com") return crypto::CipherAlg::aes128_gcm;
  if (n == "aes256-gcm@openssh.com") return crypto::CipherAlg::aes256_gcm;
  if (n == "chacha20-poly1305@openssh.com") return crypto::CipherAlg::chacha20_poly1305;
  return crypto::CipherAlg::none;
}

crypto::MacAlg mac_by_name(std::string_view n, bool& etm) {
  etm = n.ends_with("-etm@openssh.com");
  if (etm) n.remove_suffix(std::string_view("-etm@openssh.com").size());
  if (n == "hmac-sha1") return crypto::MacAlg::hmac_sha1;
  if (n == "hmac-sha2-256") return crypto::MacAlg::hmac_sha2_256;
  if (n == "hmac-sha2-512") return crypto::MacAlg::hmac_sha2_512;
  return crypto::MacAlg::none;
}

// RFC 4253 7.2, written out again: K1 = HASH(K || H || X || session_id),
// K(n+1) = HASH(K || H || K1 || ... || Kn), with K as an mpint.
crypto::SecureBytes derive_key(ByteView k_mpint, ByteView h, char letter, std::size_t need) {
  crypto::SecureBytes out;
  crypto::Hash hash(crypto::HashAlg::sha256);
  while (out.size() < need) {
    hash.update(k_mpint);
    hash.update(h);
    if (out.empty()) {
      const std::uint8_t x = static_cast<std::uint8_t>(letter);
      hash.update(ByteView(&x, 1));
      hash.update(h);  // the session id: this is the first exchange
    } else {
      hash.update(ByteView(out.data(), out.size()));
    }
    Bytes block = hash.finish();
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(need);
  return out;
}

}  // namespace

CraftedPeer::CraftedPeer(Role role, std::string software)
    : role_(role), version_reader_(role == Role::client) {
  our_version_ = transport::make_version_line(software, {});
  our_version_.resize(our_version_.size() - 2);
}

void CraftedPeer::send_version() {
  std::string line = our_version_ + "\r\n";
  out_.insert(out_.end(), line.begin(), line.end());
}

void CraftedPeer::send_raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }

void CraftedPeer::send_packet(ByteView payload) {
  auto r = encoder.encode(payload, out_);
  if (!r) throw std::runtime_error("crafted peer: encode failed: " + r.error().message);
}

void CraftedPeer::send_kexinit(const transport::KexInit& k) {
  our_kexinit_ = transport::encode_kexinit(k);
  host_key_algorithm_ = k.host_key.empty() ? std::string() : k.host_key.front();
  send_packet(our_kexinit_);
}

Bytes CraftedPeer::take_output() {
  Bytes b;
  b.swap(out_);
  return b;
}

void CraftedPeer::feed(ByteView bytes) { in_.insert(in_.end(), bytes.begin(), bytes.end()); }

std::optional<Bytes> CraftedPeer::next_packet() {
  if (decode_error) return std::nullopt;
  if (!peer_version_) {
    auto used = version_reader_.consume(ByteView(in_.data() + in_pos_, in_.size() - in_pos_));
    if (!used) {
      decode_error = used.error();
      return std::nullopt;
    }
    in_pos_ += *used;
    if (!version_reader_.done()) return std::nullopt;
    peer_version_ = version_reader_.version();
  }
  ByteView payload;
  bool complete = false;
  auto used = decoder.decode(std::span<std::uint8_t>(in_.data() + in_pos_, in_.size() - in_pos_), payload, complete);
  if (!used) {
    decode_error = used.error();
    return std::nullopt;
  }
  in_pos_ += *used;
  if (!complete) return std::nullopt;
  Bytes p(payload.begin(), payload.end());
  if (p[0] == msg::kKexInit && peer_kexinit_.empty()) peer_kexinit_ = p;
  return p;
}

void CraftedPeer::send_ecdh_init() {
  ecdh_.emplace(crypto::EcdhKey::generate(crypto::Curve::x25519).value());
  Bytes m;
  wire::Writer(m).byte(msg::kKexEcdhInit).string(ecdh_->public_value());
  send_packet(m);
}

Result<void> CraftedPeer::on_ecdh_reply(ByteView payload, const std::string& cipher, const std::string& mac) {
  if (!ecdh_ || !peer_version_ || peer_kexinit_.empty()) return fail(Errc::protocol_error, "reply out of order");
  wire::Reader r(payload);
  auto type = r.byte();
  auto ks = r.string();
  auto qs = r.string();
  auto sig = r.string();
  if (!type || *type != msg::kKexEcdhReply || !ks || !qs || !sig || !r.empty()) {
    return fail(Errc::bad_format, "malformed ECDH_REPLY");
  }
  k_s_.assign(ks->begin(), ks->end());
  auto shared = ecdh_->derive(*qs);
  if (!shared) return std::unexpected(shared.error());
  Bytes k_mpint;
  wire::Writer(k_mpint).mpint_unsigned(*shared);

  // H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S ||
  //          string Q_C || string Q_S || mpint K)
  Bytes hashed;
  wire::Writer w(hashed);
  w.string(our_version_).string(peer_version_->line).string(our_kexinit_).string(peer_kexinit_).string(k_s_);
  w.string(ecdh_->public_value()).string(*qs).raw(k_mpint);
  h_ = crypto::hash(crypto::HashAlg::sha256, hashed);

  auto key = keys::decode_public_blob(k_s_);
  if (!key) return std::unexpected(key.error());
  if (auto ok = keys::verify_blob(*key, host_key_algorithm_, h_, *sig); !ok) return ok;

  auto make = [&](char iv, char enc, char integ) {
    crypto::DirectionKeys d;
    d.cipher = cipher_by_name(cipher);
    const auto info = crypto::cipher_info(d.cipher);
    if (!info.aead) d.mac = mac_by_name(mac, d.etm);
    d.iv = derive_key(k_mpint, h_, iv, info.iv_len);
    d.key = derive_key(k_mpint, h_, enc, info.key_len);
    d.mac_key = derive_key(k_mpint, h_, integ, crypto::mac_info(d.mac).key_len);
    return d;
  };
  c2s_ = make('A', 'C', 'E');
  s2c_ = make('B', 'D', 'F');
  return {};
}

void CraftedPeer::send_newkeys_and_switch(bool reset_sequence) {
  const std::uint8_t nk = msg::kNewKeys;
  send_packet(ByteView(&nk, 1));
  const crypto::DirectionKeys& keys = role_ == Role::client ? c2s_ : s2c_;
  encoder.set_sealer(crypto::make_sealer(keys).value(), crypto::cipher_info(keys.cipher).block_size);
  if (reset_sequence) encoder.reset_sequence();
}

void CraftedPeer::switch_incoming_keys(bool reset_sequence) {
  const crypto::DirectionKeys& keys = role_ == Role::client ? s2c_ : c2s_;
  decoder.set_opener(crypto::make_opener(keys).value(), crypto::cipher_info(keys.cipher).block_size);
  if (reset_sequence) decoder.reset_sequence();
}

// ---------------------------------------------------------------- CraftedLink

CraftedLink::CraftedLink(TransportConfig real_config, Role crafted_role)
    : real(std::move(real_config)), peer(crafted_role) {
  real.start(now);
}

void CraftedLink::run() {
  for (int round = 0; round < 10000; ++round) {
    bool progress = false;
    Bytes to_real = peer.take_output();
    if (!to_real.empty() && !real.closed()) {
      real.feed(to_real, now);
      progress = true;
    }
    while (auto ev = real.poll_event()) {
      progress = true;
      if (auto* d = std::get_if<event::Disconnected>(&*ev)) {
        disconnected = *d;
      } else if (!std::holds_alternative<event::Packet>(*ev)) {
        events.push_back(std::move(*ev));
      }
    }
    ByteView out = real.pending_output();
    if (!out.empty()) {
      peer.feed(out);
      real.consume_output(out.size());
      progress = true;
    }
    while (auto p = peer.next_packet()) {
      progress = true;
      received.push_back(*p);
      if (on_packet) on_packet(received.back());
    }
    if (!progress) return;
  }
}

std::size_t CraftedLink::count_received(std::uint8_t type) const {
  return static_cast<std::size_t>(
      std::count_if(received.begin(), received.end(), [&](const Bytes& p) { return !p.empty() && p[0] == type; }));
}

std::string describe(const std::optional<event::Disconnected>& d) {
  if (!d) return "(no disconnect)";
  return d->error.to_string() + (d->by_peer ? " [by peer]" : "");
}

}  // namespace skiff::test
