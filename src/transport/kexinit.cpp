#include "transport/kexinit.hpp"

#include <algorithm>
#include <string_view>

#include "transport/messages.hpp"

namespace skiff::transport {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Names that signal a capability through the kex list (RFC 8308 ext-info, OpenSSH's
// strict kex) rather than name a method: choosing one would be a protocol violation.
bool is_pseudo_kex(std::string_view name) {
  return name == "ext-info-c" || name == "ext-info-s" || name == "kex-strict-c-v00@openssh.com" ||
         name == "kex-strict-s-v00@openssh.com";
}

// RFC 4253 7.1: the first algorithm on the client's list that the server also lists.
const std::string* first_common(const std::vector<std::string>& client,
                                const std::vector<std::string>& server) {
  for (const auto& name : client) {
    if (contains(server, name)) return &name;
  }
  return nullptr;
}

// The same wording as OpenSSH's kex.c, so that users can search for it; both lists are
// included because the remedy is always to change one of them.
Error no_match(std::string_view what, const std::vector<std::string>& client,
               const std::vector<std::string>& server, std::string_view direction = {}) {
  std::string message = "no matching ";
  message += what;
  message += " found: client ";
  message += wire::join_name_list(client);
  message += " server ";
  message += wire::join_name_list(server);
  if (!direction.empty()) {
    message += " (";
    message += direction;
    message += ")";
  }
  return Error{Errc::kex_failed, std::move(message)};
}

Result<void> choose_direction(std::string_view direction, const std::vector<std::string>& client_ciphers,
                              const std::vector<std::string>& server_ciphers,
                              const std::vector<std::string>& client_macs,
                              const std::vector<std::string>& server_macs, std::string& cipher,
                              std::string& mac) {
  const std::string* c = first_common(client_ciphers, server_ciphers);
  if (c == nullptr) {
    return std::unexpected(no_match("cipher", client_ciphers, server_ciphers, direction));
  }
  cipher = *c;
  // An AEAD cipher authenticates the packet itself: like OpenSSH, no MAC is chosen for
  // that direction, and the lack of a common MAC is then not an error.
  if (AlgorithmTraits::cipher_is_aead(cipher)) {
    mac.clear();
    return {};
  }
  const std::string* m = first_common(client_macs, server_macs);
  if (m == nullptr) {
    return std::unexpected(no_match("MAC", client_macs, server_macs, direction));
  }
  mac = *m;
  return {};
}

}  // namespace

wire::Bytes encode_kexinit(const KexInit& k) {
  wire::Bytes out;
  wire::Writer w(out);
  w.byte(msg::kKexInit).raw(k.cookie);
  w.name_list(k.kex).name_list(k.host_key);
  w.name_list(k.cipher_c2s).name_list(k.cipher_s2c);
  w.name_list(k.mac_c2s).name_list(k.mac_s2c);
  w.name_list(k.compression_c2s).name_list(k.compression_s2c);
  w.name_list(k.language_c2s).name_list(k.language_s2c);
  w.boolean(k.first_kex_packet_follows).u32(k.reserved);
  return out;
}

Result<KexInit> decode_kexinit(wire::ByteView payload) {
  wire::Reader r(payload);
  auto type = r.byte();
  if (!type) return std::unexpected(type.error());
  if (*type != msg::kKexInit) {
    return fail(Errc::protocol_error, "expected KEXINIT, got message " + std::to_string(*type));
  }
  KexInit k;
  auto cookie = r.raw(k.cookie.size());
  if (!cookie) return std::unexpected(cookie.error());
  std::copy(cookie->begin(), cookie->end(), k.cookie.begin());

  std::vector<std::string>* lists[] = {&k.kex,           &k.host_key,        &k.cipher_c2s,
                                       &k.cipher_s2c,    &k.mac_c2s,         &k.mac_s2c,
                                       &k.compression_c2s, &k.compression_s2c, &k.language_c2s,
                                       &k.language_s2c};
  for (auto* list : lists) {
    auto names = r.name_list();
    if (!names) return std::unexpected(names.error());
    *list = std::move(*names);
  }
  auto follows = r.boolean();
  if (!follows) return std::unexpected(follows.error());
  k.first_kex_packet_follows = *follows;
  auto reserved = r.u32();
  if (!reserved) return std::unexpected(reserved.error());
  // RFC 4253 reserves this for future extension and says it MUST be 0 when sent; like
  // OpenSSH we accept any value on receipt, so a future peer is not cut off.
  k.reserved = *reserved;
  if (auto end = r.expect_end(); !end) return std::unexpected(end.error());
  return k;
}

bool AlgorithmTraits::kex_requires_signature(const std::string& kex) {
  // Only RFC 4432's RSA key transport needs an encryption-capable host key; skiff does
  // not implement it, and every method it does implement (ECDH, curve25519, DH, DH-GEX)
  // authenticates the server by a signature over the exchange hash.
  return kex != "rsa1024-sha1" && kex != "rsa2048-sha256";
}

bool AlgorithmTraits::cipher_is_aead(const std::string& cipher) {
  return cipher == "chacha20-poly1305@openssh.com" || cipher == "aes128-gcm@openssh.com" ||
         cipher == "aes256-gcm@openssh.com";
}

bool guess_was_wrong(const KexInit& client, const KexInit& server) {
  // RFC 4253 7: the guess is wrong when the preferred (first) kex or host key algorithm
  // differs between the two sides; this is exactly OpenSSH's proposals_match(). An empty
  // list cannot have been guessed from, so it counts as wrong.
  auto same_first = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return !a.empty() && !b.empty() && a.front() == b.front();
  };
  return !same_first(client.kex, server.kex) || !same_first(client.host_key, server.host_key);
}

Result<Negotiated> negotiate(const KexInit& client, const KexInit& server) {
  Negotiated n;

  // The host key algorithm is needed first because a kex method is acceptable only if a
  // host key algorithm that fits it can be agreed (RFC 4253 7.1). All of our host key
  // algorithms can sign, so "fits" means "a common one exists" for signature kex.
  const std::string* host_key = first_common(client.host_key, server.host_key);

  const std::string* kex = nullptr;
  bool any_common_kex = false;
  for (const auto& name : client.kex) {
    if (is_pseudo_kex(name) || !contains(server.kex, name)) continue;
    any_common_kex = true;
    // A method that needs no signature would need an encryption-capable host key,
    // which no algorithm we know of provides; such methods are never chosen.
    if (AlgorithmTraits::kex_requires_signature(name) && host_key != nullptr) {
      kex = &name;
      break;
    }
  }
  if (kex == nullptr) {
    if (any_common_kex) return std::unexpected(no_match("host key type", client.host_key, server.host_key));
    return std::unexpected(no_match("key exchange method", client.kex, server.kex));
  }
  n.kex = *kex;
  n.host_key = *host_key;

  if (auto r = choose_direction("client to server", client.cipher_c2s, server.cipher_c2s, client.mac_c2s,
                                server.mac_c2s, n.cipher_c2s, n.mac_c2s);
      !r) {
    return std::unexpected(r.error());
  }
  if (auto r = choose_direction("server to client", client.cipher_s2c, server.cipher_s2c, client.mac_s2c,
                                server.mac_s2c, n.cipher_s2c, n.mac_s2c);
      !r) {
    return std::unexpected(r.error());
  }

  const std::string* comp_c2s = first_common(client.compression_c2s, server.compression_c2s);
  if (comp_c2s == nullptr) {
    return std::unexpected(
        no_match("compression method", client.compression_c2s, server.compression_c2s, "client to server"));
  }
  const std::string* comp_s2c = first_common(client.compression_s2c, server.compression_s2c);
  if (comp_s2c == nullptr) {
    return std::unexpected(
        no_match("compression method", client.compression_s2c, server.compression_s2c, "server to client"));
  }
  n.compression_c2s = *comp_c2s;
  n.compression_s2c = *comp_s2c;
  // Languages are not negotiated (RFC 4253 allows ignoring them; OpenSSH does).

  // skiff never sends a guessed packet itself, so whichever side set the flag is the
  // peer, and its flag is the one that matters to the caller.
  n.ignore_guessed_packet =
      (client.first_kex_packet_follows || server.first_kex_packet_follows) && guess_was_wrong(client, server);
  return n;
}

}  // namespace skiff::transport
