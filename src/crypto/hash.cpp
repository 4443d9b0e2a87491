#include "crypto/hash.hpp"

#include <new>

#include "crypto/sym_internal.hpp"

namespace skiff::crypto {

using namespace sym;

namespace {

const char* md_name(HashAlg alg) noexcept {
  switch (alg) {
    case HashAlg::sha1: return "SHA1";
    case HashAlg::sha256: return "SHA2-256";
    case HashAlg::sha384: return "SHA2-384";
    case HashAlg::sha512: return "SHA2-512";
  }
  return "SHA2-256";
}

}  // namespace

std::size_t hash_size(HashAlg alg) noexcept {
  switch (alg) {
    case HashAlg::sha1: return 20;
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::sha512: return 64;
  }
  return 0;
}

// The digest is fetched once: passing EVP_sha256() to every init would repeat the
// provider lookup on each reset.
struct Hash::Impl {
  MdPtr md;
  MdCtxPtr ctx;
};

Hash::Hash(HashAlg alg) : alg_(alg), impl_(std::make_unique<Impl>()) {
  impl_->md.reset(EVP_MD_fetch(nullptr, md_name(alg), nullptr));
  impl_->ctx.reset(EVP_MD_CTX_new());
  if (!impl_->md || !impl_->ctx) throw std::bad_alloc();
  reset();
}

Hash::~Hash() = default;
Hash::Hash(Hash&&) noexcept = default;
Hash& Hash::operator=(Hash&&) noexcept = default;

void Hash::reset() { must(EVP_DigestInit_ex(impl_->ctx.get(), impl_->md.get(), nullptr), "EVP_DigestInit_ex"); }

void Hash::update(ByteView data) {
  if (!data.empty()) must(EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()), "EVP_DigestUpdate");
}

void Hash::finish(std::span<std::uint8_t> out) {
  if (out.size() < size()) libcrypto_broken("Hash::finish (output too short)");
  unsigned int n = 0;
  must(EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &n), "EVP_DigestFinal_ex");
  reset();
}

Bytes Hash::finish() {
  Bytes out(size());
  finish(out);
  return out;
}

Bytes hash(HashAlg alg, ByteView data) {
  Hash h(alg);
  h.update(data);
  return h.finish();
}

// Fingerprints only (see hash.hpp). One-shot: fingerprints are not hot.
Bytes md5(ByteView data) {
  MdPtr md(EVP_MD_fetch(nullptr, "MD5", nullptr));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!md || !ctx) libcrypto_broken("md5 (MD5 digest unavailable)");
  Bytes out(16);
  unsigned int n = 0;
  must(EVP_DigestInit_ex(ctx.get(), md.get(), nullptr), "EVP_DigestInit_ex");
  if (!data.empty()) must(EVP_DigestUpdate(ctx.get(), data.data(), data.size()), "EVP_DigestUpdate");
  must(EVP_DigestFinal_ex(ctx.get(), out.data(), &n), "EVP_DigestFinal_ex");
  if (n != out.size()) libcrypto_broken("md5 (wrong digest size)");
  return out;
}

// One keyed EVP_MAC_CTX per key. Each message re-initialises it with a NULL key, which
// makes the HMAC provider restart from its stored inner/outer pad state instead of
// re-deriving them from the key. Measured fastest of the EVP options; on OpenSSL 3.0 it
// still allocates inside the digest-context copy (see src/crypto/README.md).
struct Hmac::Impl {
  MacCtxPtr ctx;
};

Hmac::Hmac(HashAlg alg, ByteView key) : alg_(alg), impl_(std::make_unique<Impl>()) {
  MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) throw std::bad_alloc();
  impl_->ctx.reset(EVP_MAC_CTX_new(mac.get()));
  if (!impl_->ctx) throw std::bad_alloc();
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(md_name(alg)), 0),
      OSSL_PARAM_construct_end(),
  };
  // An empty key is legal HMAC (it is zero-padded); a non-null pointer tells the provider
  // that a key is being set rather than reused.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* k = key.empty() ? &kEmpty : key.data();
  must(EVP_MAC_init(impl_->ctx.get(), k, key.size(), params), "EVP_MAC_init (HMAC key)");
}

Hmac::~Hmac() = default;
Hmac::Hmac(Hmac&&) noexcept = default;
Hmac& Hmac::operator=(Hmac&&) noexcept = default;

void Hmac::compute(std::span<const ByteView> parts, std::span<std::uint8_t> out) {
  if (out.size() < size()) libcrypto_broken("Hmac::compute (output too short)");
  EVP_MAC_CTX* ctx = impl_->ctx.get();
  must(EVP_MAC_init(ctx, nullptr, 0, nullptr), "EVP_MAC_init (HMAC reuse)");
  for (ByteView p : parts)
    if (!p.empty()) must(EVP_MAC_update(ctx, p.data(), p.size()), "EVP_MAC_update");
  std::size_t n = 0;
  must(EVP_MAC_final(ctx, out.data(), &n, out.size()), "EVP_MAC_final");
}

Bytes Hmac::compute(ByteView data) {
  Bytes out(size());
  ByteView parts[] = {data};
  compute(parts, out);
  return out;
}

}  // namespace skiff::crypto
