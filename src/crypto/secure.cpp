#include "crypto/secure.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

namespace skiff::crypto {

void wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

bool equal_constant_time(ByteView a, ByteView b) noexcept {
  // Lengths are public (tag and MAC sizes are fixed by the algorithm), so an early
  // return on a length mismatch leaks nothing secret.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void random_bytes(std::span<std::uint8_t> out) {
  // RAND_bytes takes an int, so very large requests go in slices.
  while (!out.empty()) {
    std::size_t n = out.size() < static_cast<std::size_t>(INT_MAX) ? out.size() : static_cast<std::size_t>(INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      // Without randomness no key, nonce or padding is safe to send; no peer can cause
      // this, so stopping is better than continuing with predictable secrets.
      std::fputs("skiff: fatal: the system random source failed (RAND_bytes)\n", stderr);
      std::abort();
    }
    out = out.subspan(n);
  }
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  random_bytes(out);
  return out;
}

}  // namespace skiff::crypto
