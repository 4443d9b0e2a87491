// What stands behind the public skiff::PrivateKey handle.
#pragma once

#include <skiff/key.hpp>

#include "crypto/signature.hpp"

namespace skiff {

struct PrivateKey::Impl {
  crypto::PrivateKey key;
};

}  // namespace skiff
