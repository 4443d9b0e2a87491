// Splits an agent byte stream into messages: uint32 length, then that many bytes (type
// first). Input may arrive in any pieces. Requests carry private keys and passphrases,
// so the buffer is wiped as it is consumed and when the framer goes.
#pragma once

#include <cstddef>
#include <optional>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"

namespace skiff::agent {

class Framer {
 public:
  explicit Framer(std::size_t max_message = limits::kMaxAgentMessage) noexcept : max_message_(max_message) {}

  // Views returned by next() stay valid until the following append().
  void append(wire::ByteView bytes);
  // The next whole message (type byte first, without the length), nothing while it has
  // not all arrived, or an error for a length of zero or above the cap (OpenSSH drops
  // such a client: the stream cannot be resynchronised, so the error is final).
  Result<std::optional<wire::ByteView>> next();
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }

 private:
  std::size_t max_message_;
  crypto::SecureBytes buf_;
  std::size_t pos_ = 0;
};

}  // namespace skiff::agent
