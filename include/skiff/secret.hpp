// Secrets in the public API (passwords, keyboard-interactive answers): a string whose
// memory is wiped when it is freed, so a password does not linger in the heap.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace skiff {

namespace detail {
// Overwrites n bytes at p in a way the compiler may not elide (defined in the library).
void wipe_memory(void* p, std::size_t n) noexcept;
}  // namespace detail

template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    detail::wipe_memory(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// Short strings live inside the object itself (no allocation): those are wiped by the
// library code that handles them, not by the allocator; keep secrets in this type anyway.
using Secret = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

}  // namespace skiff
