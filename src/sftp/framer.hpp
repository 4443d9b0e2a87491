// Splits an SFTP byte stream into messages: uint32 length, then that many bytes.
// Input may arrive in any pieces (a message split over feeds, several in one feed).
#pragma once

#include <cstddef>
#include <optional>

#include <skiff/error.hpp>

#include "wire/limits.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::sftp {

class MessageFramer {
 public:
  explicit MessageFramer(std::size_t max_message = limits::kMaxSftpMessage) noexcept : max_message_(max_message) {}

  // Views returned by next() stay valid until the following append().
  void append(wire::ByteView bytes);
  // The next whole message (type byte first, without the length), nothing if it has not
  // all arrived, or an error for a length of zero or above the cap: the stream cannot be
  // resynchronised after that, so the error is final.
  Result<std::optional<wire::ByteView>> next();
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }

 private:
  std::size_t max_message_;
  wire::Bytes buf_;
  std::size_t pos_ = 0;
};

}  // namespace skiff::sftp
