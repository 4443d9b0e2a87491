// Secret-holding buffers that are wiped when freed, constant-time comparison and
// the random source. Everything that holds key material uses SecureBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace skiff::crypto {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Overwrites memory in a way the compiler cannot elide (OPENSSL_cleanse).
void wipe(void* p, std::size_t n) noexcept;

template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
};

using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

inline SecureBytes to_secure(ByteView v) { return SecureBytes(v.begin(), v.end()); }

// True when a and b have equal length and content; time depends only on the length.
bool equal_constant_time(ByteView a, ByteView b) noexcept;

// Cryptographically secure random bytes (RAND_bytes). Aborts only if the system
// random source is broken, which no peer can cause.
void random_bytes(std::span<std::uint8_t> out);
Bytes random_bytes(std::size_t n);

}  // namespace skiff::crypto
