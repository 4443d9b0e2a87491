// SSH_MSG_KEXINIT: its contents, encoding, decoding, and the negotiation of
// RFC 4253 section 7.1 (the client's first preference that the server also supports;
// for kex, additionally compatible with the host key algorithms).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <skiff/error.hpp>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::transport {

struct KexInit {
  std::array<std::uint8_t, 16> cookie{};
  std::vector<std::string> kex;
  std::vector<std::string> host_key;
  std::vector<std::string> cipher_c2s, cipher_s2c;
  std::vector<std::string> mac_c2s, mac_s2c;
  std::vector<std::string> compression_c2s, compression_s2c;
  std::vector<std::string> language_c2s, language_s2c;
  bool first_kex_packet_follows = false;
  std::uint32_t reserved = 0;

  bool operator==(const KexInit&) const = default;
};

// The whole payload, starting with the message number byte 20.
wire::Bytes encode_kexinit(const KexInit& k);
// Decodes a full payload (message number included); trailing bytes are an error.
Result<KexInit> decode_kexinit(wire::ByteView payload);

struct Negotiated {
  std::string kex;
  std::string host_key;
  std::string cipher_c2s, cipher_s2c;
  std::string mac_c2s, mac_s2c;  // empty when the cipher is AEAD (no MAC negotiated)
  std::string compression_c2s, compression_s2c;
  // RFC 4253 7.1: the peer sent a guessed kex packet and the guess was wrong, so that
  // packet must be ignored.
  bool ignore_guessed_packet = false;
};

// Algorithm capabilities the negotiation needs to know about a name.
struct AlgorithmTraits {
  // Does this kex method need a host key that can sign / encrypt? (all of ours: sign)
  static bool kex_requires_signature(const std::string& kex);
  static bool cipher_is_aead(const std::string& cipher);
};

// RFC 4253 7: a guessed first kex packet is wrong when the first kex algorithm or the
// first host key algorithm of the two lists differ (OpenSSH's proposals_match()).
bool guess_was_wrong(const KexInit& client, const KexInit& server);

// client and server are the two KEXINITs as sent. Pseudo-algorithms that are not real
// methods (ext-info-c, ext-info-s, kex-strict-*) are never chosen as kex.
Result<Negotiated> negotiate(const KexInit& client, const KexInit& server);

}  // namespace skiff::transport
