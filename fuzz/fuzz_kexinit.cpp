// libFuzzer target: SSH_MSG_KEXINIT decoding and algorithm negotiation. A payload that
// decodes is negotiated against skiff's default KEXINIT in both roles (as the peer of a
// skiff client and of a skiff server) and must re-encode to something that decodes to
// the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "transport/algorithms.hpp"
#include "transport/kexinit.hpp"

using namespace skiff::transport;

namespace {

KexInit skiff_defaults(const char* ext_info, const char* strict) {
  KexInit k;
  k.kex = default_algorithms(AlgorithmKind::kex);
  // The transport appends these pseudo-algorithms; include them so the fuzzer sees the
  // lists as they go on the wire.
  k.kex.emplace_back(ext_info);
  k.kex.emplace_back(strict);
  k.host_key = default_algorithms(AlgorithmKind::host_key);
  k.cipher_c2s = k.cipher_s2c = default_algorithms(AlgorithmKind::cipher);
  k.mac_c2s = k.mac_s2c = default_algorithms(AlgorithmKind::mac);
  k.compression_c2s = k.compression_s2c = default_algorithms(AlgorithmKind::compression);
  return k;
}

void check_choice(const skiff::Result<Negotiated>& n, const KexInit& client, const KexInit& server) {
  if (!n) return;
  auto listed = [](const std::vector<std::string>& list, const std::string& name) {
    for (const auto& s : list) {
      if (s == name) return true;
    }
    return false;
  };
  // Whatever is chosen must be on both lists, and never a pseudo-algorithm.
  if (!listed(client.kex, n->kex) || !listed(server.kex, n->kex)) std::abort();
  if (n->kex == "ext-info-c" || n->kex == "ext-info-s" || n->kex.starts_with("kex-strict-")) std::abort();
  if (!listed(client.host_key, n->host_key) || !listed(server.host_key, n->host_key)) std::abort();
  if (!listed(client.cipher_c2s, n->cipher_c2s) || !listed(server.cipher_s2c, n->cipher_s2c)) std::abort();
  if (AlgorithmTraits::cipher_is_aead(n->cipher_c2s) != n->mac_c2s.empty()) std::abort();
  if (AlgorithmTraits::cipher_is_aead(n->cipher_s2c) != n->mac_s2c.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto k = decode_kexinit(skiff::wire::ByteView(data, size));
  if (!k) return 0;

  auto again = decode_kexinit(encode_kexinit(*k));
  if (!again || !(*again == *k)) std::abort();

  static const KexInit client = skiff_defaults("ext-info-c", "kex-strict-c-v00@openssh.com");
  static const KexInit server = skiff_defaults("ext-info-s", "kex-strict-s-v00@openssh.com");
  check_choice(negotiate(client, *k), client, *k);
  check_choice(negotiate(*k, server), *k, server);
  (void)guess_was_wrong(client, *k);
  return 0;
}
