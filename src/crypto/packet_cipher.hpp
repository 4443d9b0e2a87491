// Packet protection for the SSH binary packet protocol: one sealer per outgoing
// direction, one opener per incoming direction, made at NEWKEYS from the derived keys
// and reused for every packet. They cover the three shapes SSH uses:
//   - a stream cipher (AES-CTR) with a MAC, either MAC-then-encrypt (MAC over
//     seq || plaintext packet, length encrypted) or encrypt-then-MAC (-etm@openssh.com:
//     length in clear, MAC over seq || length || ciphertext);
//   - AES-GCM (RFC 5647 as aes*-gcm@openssh.com): length in clear as AAD, 16-byte tag,
//     invocation counter in the IV incremented per packet;
//   - chacha20-poly1305@openssh.com: length encrypted with its own key, Poly1305 tag
//     over the encrypted length and payload (OpenSSH's PROTOCOL.chacha20poly1305).
// A packet here is `uint32 packet_length || byte padding_length || payload || padding`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"

namespace skiff::crypto {

enum class CipherAlg : std::uint8_t {
  none,
  aes128_ctr,
  aes192_ctr,
  aes256_ctr,
  aes128_gcm,
  aes256_gcm,
  chacha20_poly1305,
};

enum class MacAlg : std::uint8_t { none, hmac_sha1, hmac_sha2_256, hmac_sha2_512 };

struct CipherInfo {
  std::size_t key_len;     // bytes of key to derive
  std::size_t iv_len;      // bytes of IV to derive
  std::size_t block_size;  // padding alignment (8 for none and chacha20-poly1305)
  std::size_t tag_len;     // AEAD tag length, 0 for non-AEAD
  bool aead;               // true: no separate MAC is negotiated/used
};
CipherInfo cipher_info(CipherAlg alg) noexcept;

struct MacInfo {
  std::size_t key_len;
  std::size_t mac_len;
};
MacInfo mac_info(MacAlg alg) noexcept;

// Keys for one direction, as derived by the key exchange (RFC 4253 7.2).
struct DirectionKeys {
  CipherAlg cipher = CipherAlg::none;
  MacAlg mac = MacAlg::none;
  bool etm = false;  // encrypt-then-MAC (-etm@openssh.com); ignored for AEAD ciphers
  SecureBytes key;
  SecureBytes iv;
  SecureBytes mac_key;
};

class PacketSealer {
 public:
  virtual ~PacketSealer() = default;
  // Alignment for padding: (packet.size() - (length_excluded_from_padding() ? 4 : 0)) must be
  // a multiple of block_size().
  virtual std::size_t block_size() const noexcept = 0;
  virtual bool length_excluded_from_padding() const noexcept = 0;
  // Bytes of MAC or tag appended after the packet.
  virtual std::size_t tag_size() const noexcept = 0;
  // Encrypts the whole packet in place and writes tag_size() bytes to tag.
  virtual void seal(std::uint32_t seq, std::span<std::uint8_t> packet, std::span<std::uint8_t> tag) = 0;
};

class PacketOpener {
 public:
  virtual ~PacketOpener() = default;
  virtual std::size_t block_size() const noexcept = 0;
  virtual bool length_excluded_from_padding() const noexcept = 0;
  virtual std::size_t tag_size() const noexcept = 0;
  // How many leading bytes of a packet read_length() needs: 4, or the cipher block
  // for MAC-then-encrypt modes.
  virtual std::size_t first_chunk_size() const noexcept = 0;
  // Returns packet_length from the first chunk. For MAC-then-encrypt, decrypts the chunk in
  // place (the packet continues from there); otherwise leaves the chunk as it is. The
  // value is unauthenticated until open() succeeds.
  virtual std::uint32_t read_length(std::uint32_t seq, std::span<std::uint8_t> first_chunk) = 0;
  // packet: all 4 + packet_length bytes (first chunk as read_length left it). Checks the
  // MAC or tag first where the mode allows (ETM, GCM, chacha20-poly1305), then decrypts in
  // place; for MAC-then-encrypt decrypts and then checks. On success packet holds the
  // plaintext packet. Returns false when the tag/MAC is wrong (contents then undefined).
  virtual bool open(std::uint32_t seq, std::span<std::uint8_t> packet, std::span<const std::uint8_t> tag) = 0;
};

// Errors only on wrong key/IV lengths or a libcrypto failure.
Result<std::unique_ptr<PacketSealer>> make_sealer(const DirectionKeys& keys);
Result<std::unique_ptr<PacketOpener>> make_opener(const DirectionKeys& keys);

}  // namespace skiff::crypto
