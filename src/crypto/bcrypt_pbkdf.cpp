// bcrypt_pbkdf and the Blowfish it runs on, following OpenBSD's bcrypt_pbkdf.c and
// blowfish.c (names in the comments are OpenBSD's).
#include "crypto/bcrypt_pbkdf.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "crypto/blowfish.hpp"
#include "crypto/hash.hpp"

namespace skiff::crypto {
namespace detail {
namespace {

inline std::uint32_t feistel(const BlowfishState& st, std::uint32_t x) noexcept {
  return ((st.s[0][x >> 24] + st.s[1][(x >> 16) & 0xff]) ^ st.s[2][(x >> 8) & 0xff]) + st.s[3][x & 0xff];
}

// Blowfish_stream2word: the next 4 bytes of data, big-endian, wrapping cyclically.
inline std::uint32_t stream2word(ByteView data, std::size_t& pos) noexcept {
  std::uint32_t w = 0;
  for (int i = 0; i < 4; ++i) {
    if (pos >= data.size()) pos = 0;
    w = (w << 8) | data[pos++];
  }
  return w;
}

void xor_key_into_p(BlowfishState& st, ByteView key) noexcept {
  std::size_t pos = 0;
  for (auto& p : st.p) p ^= stream2word(key, pos);
}

// Replaces P then S, pair by pair, with successive encryptions of a running block;
// with data non-empty the next 8 bytes of data are XORed in before each encryption.
void rekey_tables(BlowfishState& st, ByteView data) noexcept {
  std::size_t pos = 0;
  std::uint32_t l = 0, r = 0;
  auto next = [&](std::uint32_t& a, std::uint32_t& b) {
    if (!data.empty()) {
      l ^= stream2word(data, pos);
      r ^= stream2word(data, pos);
    }
    blowfish_encipher(st, l, r);
    a = l;
    b = r;
  };
  for (std::size_t i = 0; i < st.p.size(); i += 2) next(st.p[i], st.p[i + 1]);
  for (auto& box : st.s)
    for (std::size_t k = 0; k < box.size(); k += 2) next(box[k], box[k + 1]);
}

}  // namespace

void blowfish_init(BlowfishState& st) noexcept {
  std::copy(std::begin(kBlowfishInitP), std::end(kBlowfishInitP), st.p.begin());
  for (std::size_t i = 0; i < 4; ++i)
    std::copy(std::begin(kBlowfishInitS[i]), std::end(kBlowfishInitS[i]), st.s[i].begin());
}

void blowfish_encipher(const BlowfishState& st, std::uint32_t& xl, std::uint32_t& xr) noexcept {
  std::uint32_t l = xl ^ st.p[0];
  std::uint32_t r = xr;
  for (std::size_t n = 1; n <= 16; n += 2) {
    r ^= feistel(st, l) ^ st.p[n];
    l ^= feistel(st, r) ^ st.p[n + 1];
  }
  xl = r ^ st.p[17];
  xr = l;
}

void blowfish_expand0(BlowfishState& st, ByteView key) noexcept {
  xor_key_into_p(st, key);
  rekey_tables(st, {});
}

void blowfish_expand(BlowfishState& st, ByteView data, ByteView key) noexcept {
  xor_key_into_p(st, key);
  rekey_tables(st, data);
}

std::array<std::uint8_t, 8> blowfish_encrypt_block_for_test(ByteView key, ByteView block8) {
  std::array<std::uint8_t, 8> out{};
  if (key.empty() || key.size() > 72 || block8.size() != 8) return out;
  BlowfishState st;
  blowfish_init(st);
  blowfish_expand0(st, key);
  std::size_t pos = 0;
  std::uint32_t l = stream2word(block8, pos);
  std::uint32_t r = stream2word(block8, pos);
  blowfish_encipher(st, l, r);
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<std::uint8_t>(l >> (24 - 8 * i));
    out[4 + i] = static_cast<std::uint8_t>(r >> (24 - 8 * i));
  }
  wipe(&st, sizeof st);
  return out;
}

}  // namespace detail

namespace {

constexpr std::size_t kShaLen = 64;        // SHA512_DIGEST_LENGTH
constexpr std::size_t kBcryptWords = 8;    // BCRYPT_WORDS
constexpr std::size_t kHashSize = 32;      // BCRYPT_HASHSIZE
constexpr std::size_t kMaxSalt = 1u << 20;

// bcrypt_hash: eksblowfish keyed by the hashed passphrase and salt, then the magic
// string encrypted 64 times; words written out little-endian as OpenBSD does.
// st is the caller's, so that one wipe at the end covers every call.
void bcrypt_hash(ByteView sha2pass, ByteView sha2salt, detail::BlowfishState& st,
                 std::span<std::uint8_t, kHashSize> out) noexcept {
  static constexpr char kMagic[] = "OxychromaticBlowfishSwatDynamite";
  static_assert(sizeof kMagic - 1 == kHashSize);

  detail::blowfish_init(st);
  detail::blowfish_expand(st, sha2salt, sha2pass);
  for (int i = 0; i < 64; ++i) {
    detail::blowfish_expand0(st, sha2salt);
    detail::blowfish_expand0(st, sha2pass);
  }

  std::array<std::uint32_t, kBcryptWords> cdata;
  for (std::size_t i = 0; i < kBcryptWords; ++i) {
    cdata[i] = (std::uint32_t{static_cast<std::uint8_t>(kMagic[4 * i])} << 24) |
               (std::uint32_t{static_cast<std::uint8_t>(kMagic[4 * i + 1])} << 16) |
               (std::uint32_t{static_cast<std::uint8_t>(kMagic[4 * i + 2])} << 8) |
               std::uint32_t{static_cast<std::uint8_t>(kMagic[4 * i + 3])};
  }
  for (int i = 0; i < 64; ++i)
    for (std::size_t b = 0; b < kBcryptWords; b += 2) detail::blowfish_encipher(st, cdata[b], cdata[b + 1]);

  for (std::size_t i = 0; i < kBcryptWords; ++i) {
    out[4 * i + 3] = static_cast<std::uint8_t>(cdata[i] >> 24);
    out[4 * i + 2] = static_cast<std::uint8_t>(cdata[i] >> 16);
    out[4 * i + 1] = static_cast<std::uint8_t>(cdata[i] >> 8);
    out[4 * i + 0] = static_cast<std::uint8_t>(cdata[i]);
  }
  wipe(cdata.data(), sizeof cdata);
}

}  // namespace

Result<void> bcrypt_pbkdf(std::string_view passphrase, ByteView salt, unsigned rounds,
                          std::span<std::uint8_t> out) {
  if (rounds < 1) return fail(Errc::invalid_argument, "bcrypt_pbkdf: rounds must be at least 1");
  if (out.empty() || out.size() > kBcryptPbkdfMaxOut)
    return fail(Errc::invalid_argument, "bcrypt_pbkdf: output length must be 1..1024");
  if (salt.empty() || salt.size() > kMaxSalt)
    return fail(Errc::invalid_argument, "bcrypt_pbkdf: salt must be 1 byte to 1 MiB");
  if (passphrase.empty()) return fail(Errc::invalid_argument, "bcrypt_pbkdf: empty passphrase");

  const std::size_t keylen = out.size();
  const std::size_t stride = (keylen + kHashSize - 1) / kHashSize;
  std::size_t amt = (keylen + stride - 1) / stride;

  // All secrets live in this one buffer (and the Blowfish state), wiped on return.
  // Layout: sha2pass | sha2salt | block | tmp.
  SecureBytes work(2 * kShaLen + 2 * kHashSize);
  const std::span<std::uint8_t> sha2pass(work.data(), kShaLen);
  const std::span<std::uint8_t> sha2salt(work.data() + kShaLen, kShaLen);
  const std::span<std::uint8_t, kHashSize> block(work.data() + 2 * kShaLen, kHashSize);
  const std::span<std::uint8_t, kHashSize> tmp(work.data() + 2 * kShaLen + kHashSize, kHashSize);
  auto st = std::make_unique<detail::BlowfishState>();  // 4 KiB: off the stack

  Hash sha(HashAlg::sha512);
  sha.update(ByteView(reinterpret_cast<const std::uint8_t*>(passphrase.data()), passphrase.size()));
  sha.finish(sha2pass);

  std::size_t remaining = keylen;
  for (std::uint32_t count = 1; remaining > 0; ++count) {
    const std::array<std::uint8_t, 4> countsalt{
        static_cast<std::uint8_t>(count >> 24), static_cast<std::uint8_t>(count >> 16),
        static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count)};
    // First round: the salt is the caller's salt and the counter.
    sha.update(salt);
    sha.update(countsalt);
    sha.finish(sha2salt);
    bcrypt_hash(sha2pass, sha2salt, *st, tmp);
    std::copy(tmp.begin(), tmp.end(), block.begin());
    // Later rounds: the salt is the previous output.
    for (unsigned i = 1; i < rounds; ++i) {
      sha.update(tmp);
      sha.finish(sha2salt);
      bcrypt_hash(sha2pass, sha2salt, *st, tmp);
      for (std::size_t j = 0; j < kHashSize; ++j) block[j] ^= tmp[j];
    }
    // The PBKDF2 deviation: the block's bytes go to every stride-th output byte.
    amt = std::min(amt, remaining);
    std::size_t i = 0;
    for (; i < amt; ++i) {
      const std::size_t dest = i * stride + (count - 1);
      if (dest >= keylen) break;
      out[dest] = block[i];
    }
    remaining -= i;
  }

  wipe(st.get(), sizeof *st);
  return {};
}

}  // namespace skiff::crypto
