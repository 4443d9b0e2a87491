// Internal to src/crypto: pieces shared by signature.cpp (verification) and
// signature_private.cpp (signing keys).
#pragma once

#include <openssl/ecdsa.h>

#include <memory>

#include <skiff/error.hpp>

#include "crypto/asym_internal.hpp"
#include "crypto/hash.hpp"
#include "crypto/signature.hpp"

namespace skiff::crypto::detail {

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

bool is_ecdsa(KeyType type) noexcept;
NistCurve ecdsa_curve(KeyType type) noexcept;
// OpenSSL's digest name for EVP_DigestSignInit_ex / EVP_DigestVerifyInit_ex.
const char* md_name(HashAlg alg) noexcept;
// The digest for RSA PKCS#1 v1.5: SHA-256 or SHA-512, SHA-1 only when allowed
// (Errc::unsupported otherwise).
Result<const char*> rsa_md(HashAlg hash, bool allow_sha1);

// DER (what libcrypto produces and consumes) <-> r || s, each left-padded to the
// scalar size (what SSH carries, as two mpints). raw_to_der refuses a wrong length and
// r or s outside [1, n-1] with Errc::signature_invalid.
Result<Bytes> ecdsa_der_to_raw(KeyType type, ByteView der);
Result<Bytes> ecdsa_raw_to_der(KeyType type, ByteView raw);

}  // namespace skiff::crypto::detail
