// What stands behind the public skiff::PrivateKey and skiff::PublicKey handles.
#pragma once

#include <string>

#include <skiff/key.hpp>

#include "crypto/signature.hpp"

namespace skiff {

struct PrivateKey::Impl {
  crypto::PrivateKey key;
  std::string comment;
};

struct PublicKey::Impl {
  crypto::PublicKey key;
  std::string comment;
};

}  // namespace skiff
