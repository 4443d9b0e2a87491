// Hashes and HMAC over OpenSSL EVP. Contexts are created once and reused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "crypto/secure.hpp"

namespace skiff::crypto {

enum class HashAlg : std::uint8_t { sha1, sha256, sha384, sha512 };

std::size_t hash_size(HashAlg alg) noexcept;

// Incremental hash. reset() starts over with the same algorithm.
class Hash {
 public:
  explicit Hash(HashAlg alg);
  ~Hash();
  Hash(Hash&&) noexcept;
  Hash& operator=(Hash&&) noexcept;
  Hash(const Hash&) = delete;
  Hash& operator=(const Hash&) = delete;

  void update(ByteView data);
  // Writes hash_size() bytes to out (which must be at least that long) and resets.
  void finish(std::span<std::uint8_t> out);
  Bytes finish();
  void reset();
  HashAlg alg() const noexcept { return alg_; }
  std::size_t size() const noexcept { return hash_size(alg_); }

 private:
  struct Impl;
  HashAlg alg_;
  std::unique_ptr<Impl> impl_;
};

Bytes hash(HashAlg alg, ByteView data);

// MD5 of data (16 bytes). Only for legacy key fingerprints (ssh-keygen -E md5); MD5 is
// broken and must never be used for anything that needs collision resistance. It is
// deliberately not a HashAlg, so no protocol code can select it.
Bytes md5(ByteView data);

// HMAC with a fixed key: the keyed context is made once and reused per message.
class Hmac {
 public:
  Hmac(HashAlg alg, ByteView key);
  ~Hmac();
  Hmac(Hmac&&) noexcept;
  Hmac& operator=(Hmac&&) noexcept;
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;

  // MAC of the concatenation of the parts; writes size() bytes to out.
  void compute(std::span<const ByteView> parts, std::span<std::uint8_t> out);
  Bytes compute(ByteView data);
  std::size_t size() const noexcept { return hash_size(alg_); }

 private:
  struct Impl;
  HashAlg alg_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::crypto
