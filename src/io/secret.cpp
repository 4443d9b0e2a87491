// The definition behind the public skiff::Secret's wiping allocator.
#include <skiff/secret.hpp>

#include "crypto/secure.hpp"

namespace skiff::detail {

void wipe_memory(void* p, std::size_t n) noexcept { crypto::wipe(p, n); }

}  // namespace skiff::detail
