// The key exchange state machine of skiff::Transport: KEXINIT in both directions,
// negotiation, the method's messages, host key proof, key derivation (RFC 4253 7.2),
// NEWKEYS in both directions, strict KEX, EXT_INFO, and the rekey limits.
#include <algorithm>

#include "crypto/packet_cipher.hpp"
#include "keys/key_handle.hpp"
#include "keys/ssh_key.hpp"
#include "transport/messages.hpp"
#include "transport/transport_impl.hpp"
#include "wire/limits.hpp"
#include "wire/writer.hpp"

namespace skiff {

namespace msg = transport::msg;
namespace dc = transport::disconnect;

namespace {

constexpr const char* kExtInfoC = "ext-info-c";
constexpr const char* kExtInfoS = "ext-info-s";
constexpr const char* kStrictC = "kex-strict-c-v00@openssh.com";
constexpr const char* kStrictS = "kex-strict-s-v00@openssh.com";

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

crypto::CipherAlg cipher_from_name(std::string_view n) {
  if (n == "aes128-ctr") return crypto::CipherAlg::aes128_ctr;
  if (n == "aes192-ctr") return crypto::CipherAlg::aes192_ctr;
  if (n == "aes256-ctr") return crypto::CipherAlg::aes256_ctr;
  if (n == "aes128-gcm@openssh.com") return crypto::CipherAlg::aes128_gcm;
  if (n == "aes256-gcm@openssh.com") return crypto::CipherAlg::aes256_gcm;
  if (n == "chacha20-poly1305@openssh.com") return crypto::CipherAlg::chacha20_poly1305;
  return crypto::CipherAlg::none;
}

crypto::MacAlg mac_from_name(std::string_view n, bool& etm) {
  etm = n.ends_with("-etm@openssh.com");
  if (etm) n.remove_suffix(std::string_view("-etm@openssh.com").size());
  if (n == "hmac-sha1") return crypto::MacAlg::hmac_sha1;
  if (n == "hmac-sha2-256") return crypto::MacAlg::hmac_sha2_256;
  if (n == "hmac-sha2-512") return crypto::MacAlg::hmac_sha2_512;
  return crypto::MacAlg::none;
}

// RFC 4253 7.2: HASH(K || H || letter || session_id), extended with HASH(K || H || K1 ...).
crypto::SecureBytes derive(crypto::HashAlg alg, const crypto::SecureBytes& k, ByteView h, char letter,
                           ByteView session_id, std::size_t need) {
  crypto::SecureBytes out;
  if (need == 0) return out;
  crypto::Hash hash(alg);
  std::uint8_t c = static_cast<std::uint8_t>(letter);
  hash.update(k);
  hash.update(h);
  hash.update(ByteView(&c, 1));
  hash.update(session_id);
  crypto::Bytes block = hash.finish();
  out.insert(out.end(), block.begin(), block.end());
  crypto::wipe(block.data(), block.size());
  while (out.size() < need) {
    hash.update(k);
    hash.update(h);
    hash.update(ByteView(out.data(), out.size()));
    block = hash.finish();
    out.insert(out.end(), block.begin(), block.end());
    crypto::wipe(block.data(), block.size());
  }
  out.resize(need);
  return out;
}

}  // namespace

Result<void> Transport::Impl::send_kexinit() {
  transport::KexInit k;
  crypto::random_bytes(k.cookie);
  k.kex = kex_list;
  if (initial) {
    // Pseudo-algorithms: RFC 8308 extension negotiation and strict KEX, first exchange only.
    if (cfg.role == Role::client) {
      k.kex.push_back(kExtInfoC);
      k.kex.push_back(kStrictC);
    } else {
      k.kex.push_back(kExtInfoS);
      k.kex.push_back(kStrictS);
    }
  }
  k.host_key = host_key_list;
  k.cipher_c2s = k.cipher_s2c = cipher_list;
  k.mac_c2s = k.mac_s2c = mac_list;
  k.compression_c2s = k.compression_s2c = compression_list;
  if (k.host_key.empty()) return fail(Errc::kex_failed, "no usable host key algorithm");
  our_kexinit = transport::encode_kexinit(k);
  our_kexinit_msg = std::move(k);
  kex_running = true;
  newkeys_sent = newkeys_received = false;
  our_kexinit_seq = encoder.sequence();
  return send_packet(our_kexinit);
}

Result<void> Transport::Impl::on_kexinit(ByteView payload) {
  if (peer_kexinit_seen) return fail(Errc::protocol_error, "KEXINIT received twice in one key exchange");
  auto peer_msg = transport::decode_kexinit(payload);
  if (!peer_msg) return std::unexpected(peer_msg.error());
  peer_kexinit.assign(payload.begin(), payload.end());
  peer_kexinit_seen = true;
  if (!kex_running) {
    if (auto r = send_kexinit(); !r) return r;
  }
  const bool client = cfg.role == Role::client;
  const transport::KexInit& c = client ? our_kexinit_msg : *peer_msg;
  const transport::KexInit& s = client ? *peer_msg : our_kexinit_msg;
  if (initial) {
    strict = client ? contains(peer_msg->kex, kStrictS) : contains(peer_msg->kex, kStrictC);
    if (!client) peer_ext_info_c = contains(peer_msg->kex, kExtInfoC);
  }
  auto n = transport::negotiate(c, s);
  if (!n) return std::unexpected(n.error());
  negotiated = *n;
  // skiff never guesses, so only the peer's flag can be behind this.
  ignore_next_kex_packet = negotiated.ignore_guessed_packet;

  algorithms = NegotiatedAlgorithms{negotiated.kex,         negotiated.host_key,    negotiated.cipher_c2s,
                                    negotiated.cipher_s2c,  negotiated.mac_c2s,     negotiated.mac_s2c,
                                    negotiated.compression_c2s, negotiated.compression_s2c, strict};

  transport::ExchangeContext ctx;
  ctx.v_c = client ? our_version : peer->line;
  ctx.v_s = client ? peer->line : our_version;
  ctx.i_c = client ? our_kexinit : peer_kexinit;
  ctx.i_s = client ? peer_kexinit : our_kexinit;
  signer.reset();
  if (!client) {
    for (const auto& key : cfg.host_keys) {
      auto algs = key.signature_algorithms(true);
      if (contains(algs, negotiated.host_key)) {
        signer = std::make_unique<ConfigHostKeySigner>(key);
        break;
      }
    }
  }
  if (!client && cfg.gex_groups.empty() && cfg.gex_groups_loader &&
      negotiated.kex.starts_with("diffie-hellman-group-exchange-")) {
    cfg.gex_groups = cfg.gex_groups_loader();
    cfg.gex_groups_loader = nullptr;  // once: an empty answer means the built-in groups
  }
  auto m = transport::KexMethod::create(cfg.role, negotiated.kex, std::move(ctx), signer.get(), negotiated.host_key,
                                        &cfg.gex_groups,
                                        transport::GexPreferences{cfg.gex_min, cfg.gex_preferred, cfg.gex_max});
  if (!m) return std::unexpected(m.error());
  method = std::move(*m);
  std::vector<wire::Bytes> outgoing;
  if (auto r = method->start(outgoing); !r) return r;
  for (auto& o : outgoing)
    if (auto r = send_packet(o); !r) return r;
  return {};
}

Result<void> Transport::Impl::on_kex_message(ByteView payload) {
  if (!method || kex_result) return fail(Errc::protocol_error, "key exchange message outside a key exchange");
  if (ignore_next_kex_packet) {
    ignore_next_kex_packet = false;  // the peer's wrong guess (RFC 4253 7)
    return {};
  }
  std::vector<wire::Bytes> outgoing;
  auto done = method->on_message(payload, outgoing);
  if (!done) return std::unexpected(done.error());
  for (auto& o : outgoing)
    if (auto r = send_packet(o); !r) return r;
  if (!*done) return {};
  kex_result = std::move(method->result());
  return after_method_done();
}

Result<void> Transport::Impl::after_method_done() {
  transport::KexResult& res = *kex_result;
  if (session_id.empty()) session_id = res.h;
  if (cfg.role == Role::client) {
    auto key = keys::decode_public_blob(res.host_key_blob);
    if (!key) return fail(Errc::host_key_rejected, "bad host key: " + key.error().message);
    if (!keys::signature_algorithm_fits_key(negotiated.host_key, key->type())) {
      return fail(Errc::host_key_rejected, "host key type does not match negotiated " + negotiated.host_key);
    }
    // SHA-1 only where the ssh-rsa algorithm itself was negotiated (an opt-in).
    const bool sha1 = negotiated.host_key == "ssh-rsa";
    auto ok = keys::verify_blob(*key, negotiated.host_key, res.h, res.signature, sha1);
    if (!ok) return fail(Errc::host_key_rejected, "host key signature did not verify: " + ok.error().message);
    derive_keys();
    if (initial) {
      host_key_blob = res.host_key_blob;
      awaiting_verdict = true;
      events.push_back(event::HostKeyCheck{host_key_blob, negotiated.host_key});
      return {};
    }
    if (res.host_key_blob != host_key_blob) return fail(Errc::host_key_rejected, "host key changed during rekey");
    return send_newkeys();
  }
  derive_keys();
  return send_newkeys();
}

void Transport::Impl::derive_keys() {
  transport::KexResult& res = *kex_result;
  const bool client = cfg.role == Role::client;
  auto make = [&](const std::string& cipher_name, const std::string& mac_name, char iv_letter, char key_letter,
                  char mac_letter) {
    crypto::DirectionKeys d;
    d.cipher = cipher_from_name(cipher_name);
    auto info = crypto::cipher_info(d.cipher);
    if (!info.aead) d.mac = mac_from_name(mac_name, d.etm);
    d.iv = derive(res.hash, res.k_encoded, res.h, iv_letter, session_id, info.iv_len);
    d.key = derive(res.hash, res.k_encoded, res.h, key_letter, session_id, info.key_len);
    d.mac_key = derive(res.hash, res.k_encoded, res.h, mac_letter, session_id, crypto::mac_info(d.mac).key_len);
    return d;
  };
  crypto::DirectionKeys c2s = make(negotiated.cipher_c2s, negotiated.mac_c2s, 'A', 'C', 'E');
  crypto::DirectionKeys s2c = make(negotiated.cipher_s2c, negotiated.mac_s2c, 'B', 'D', 'F');
  pending_out = client ? std::move(c2s) : std::move(s2c);
  pending_in = client ? std::move(s2c) : std::move(c2s);
}

Result<void> Transport::Impl::send_newkeys() {
  const std::uint8_t nk = msg::kNewKeys;
  if (auto r = send_packet(ByteView(&nk, 1)); !r) return r;
  auto sealer = crypto::make_sealer(pending_out);
  if (!sealer) return std::unexpected(sealer.error());
  encoder.set_sealer(std::move(*sealer), crypto::cipher_info(pending_out.cipher).block_size);
  if (strict) encoder.reset_sequence();
  pending_out = {};
  compression_out = cfg.role == Role::client ? negotiated.compression_c2s : negotiated.compression_s2c;
  newkeys_sent = true;
  enable_compression_where_due();
  if (initial && cfg.role == Role::server && peer_ext_info_c) {
    // RFC 8308: EXT_INFO right after the first NEWKEYS.
    std::vector<std::string> algs = cfg.server_sig_algs;
    if (algs.empty()) {
      algs = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
              "rsa-sha2-256"};
    }
    Bytes m;
    wire::Writer w(m);
    w.byte(msg::kExtInfo).u32(2).string("server-sig-algs").string(wire::join_name_list(algs));
    w.string("ping@openssh.com").string("0");
    if (auto r = send_packet(m); !r) return r;
  }
  flush_queue();
  maybe_finish_kex();
  return {};
}

Result<void> Transport::Impl::on_newkeys(ByteView payload) {
  if (payload.size() != 1) return fail(Errc::trailing_data, "NEWKEYS with trailing data");
  if (!kex_result || newkeys_received) return fail(Errc::protocol_error, "unexpected NEWKEYS");
  auto opener = crypto::make_opener(pending_in);
  if (!opener) return std::unexpected(opener.error());
  decoder.set_opener(std::move(*opener), crypto::cipher_info(pending_in.cipher).block_size);
  if (strict) decoder.reset_sequence();
  pending_in = {};
  compression_in = cfg.role == Role::client ? negotiated.compression_s2c : negotiated.compression_c2s;
  newkeys_received = true;
  enable_compression_where_due();
  maybe_finish_kex();
  return {};
}

void Transport::Impl::maybe_finish_kex() {
  if (!newkeys_sent || !newkeys_received) return;
  const bool was_initial = initial;
  kex_running = false;
  peer_kexinit_seen = false;
  initial = false;
  method.reset();
  kex_result.reset();
  signer.reset();
  ++exchanges;
  apply_rekey_limits();
  events.push_back(event::KexComplete{algorithms, was_initial, exchanges});
  flush_queue();
}

void Transport::Impl::enable_compression_where_due() {
  // zlib starts with the keys that negotiated it; zlib@openssh.com waits for user
  // authentication as well. NEWKEYS ends a direction's stream (the codec drops it) and
  // this starts a fresh one, as OpenSSH does.
  auto due = [&](const std::string& name) {
    return name == "zlib" || (name == "zlib@openssh.com" && delayed_compression_on);
  };
  if (due(compression_out)) encoder.enable_compression();
  // Incoming: not while the peer's NEWKEYS is still to come (a rekey across the
  // authentication): its packets up to NEWKEYS are uncompressed, and the new keys start a
  // new stream anyway.
  if (due(compression_in) && (!kex_running || newkeys_received)) decoder.enable_compression();
}

void Transport::Impl::apply_rekey_limits() {
  // OpenSSH: 2^(block bits / 4) blocks for 128-bit block ciphers, else 1 GiB; RekeyLimit
  // lowers it.
  auto limit_for = [&](std::size_t block) -> std::uint64_t {
    std::uint64_t bytes = block >= 16 ? (std::uint64_t{1} << (block * 2)) * block : (std::uint64_t{1} << 30);
    if (cfg.rekey_bytes > 0) bytes = std::min<std::uint64_t>(bytes, std::max<std::uint64_t>(cfg.rekey_bytes, 16));
    return bytes;
  };
  rekey_bytes_out = limit_for(encoder.cipher_block_size());
  rekey_bytes_in = limit_for(decoder.cipher_block_size());
  if (cfg.rekey_interval.count() > 0) {
    rekey_at = now + cfg.rekey_interval;
  } else {
    rekey_at.reset();
  }
}

}  // namespace skiff
