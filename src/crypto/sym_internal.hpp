// Internal to src/crypto: owning handles for the OpenSSL objects that the symmetric
// code (hash.cpp, primitives.cpp, packet_cipher*.cpp) uses. Not visible above src/crypto.
// (The asymmetric side has its own in asym_internal.hpp; the namespaces differ so that
// the two never clash.)
#pragma once

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include <skiff/error.hpp>

namespace skiff::crypto::sym {

struct CipherFree {
  void operator()(EVP_CIPHER* p) const noexcept { EVP_CIPHER_free(p); }
};
// EVP_CIPHER_CTX_free cleanses the key schedule before freeing it.
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
struct MdFree {
  void operator()(EVP_MD* p) const noexcept { EVP_MD_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct MacFree {
  void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
};
// The HMAC and Poly1305 providers cleanse their keys when the context is freed.
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
};

using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MdPtr = std::unique_ptr<EVP_MD, MdFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using MacPtr = std::unique_ptr<EVP_MAC, MacFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// Failures of calls that cannot fail on valid arguments once a context exists (an
// update on a keyed context, a digest final). They mean a broken libcrypto or a bug
// of ours, never bad peer input, and carrying on could emit unprotected data.
[[noreturn]] inline void libcrypto_broken(const char* what) noexcept {
  std::fprintf(stderr, "skiff: fatal: libcrypto failed in %s\n", what);
  std::abort();
}

inline void must(int ok, const char* what) noexcept {
  if (ok != 1) libcrypto_broken(what);
}

// A libcrypto failure while building contexts, as an Error; drains the error queue
// so a stale entry cannot be blamed on a later call.
inline std::unexpected<Error> ossl_error(std::string what) {
  if (unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    what += " (";
    what += buf;
    what += ")";
  }
  ERR_clear_error();
  return fail(Errc::crypto_failure, std::move(what));
}

// EVP takes int lengths; SSH packets are capped far below INT_MAX, and the one-shot
// primitives slice their input, so this only guards a caller bug.
inline int int_len(std::size_t n, const char* what) noexcept {
  if (n > static_cast<std::size_t>(INT32_MAX)) libcrypto_broken(what);
  return static_cast<int>(n);
}

inline void put_u32_be(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

inline std::uint32_t get_u32_be(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

}  // namespace skiff::crypto::sym
