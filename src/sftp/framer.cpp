#include "sftp/framer.hpp"

#include <string>

namespace skiff::sftp {

void MessageFramer::append(wire::ByteView bytes) {
  if (pos_ > 0) {
    // Drop what was consumed so the buffer holds at most one partial message and the new input.
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<wire::ByteView>> MessageFramer::next() {
  if (buffered() < 4) return std::nullopt;
  const std::uint32_t len = wire::get_u32(buf_.data() + pos_);
  if (len == 0) return fail(Errc::bad_length, "SFTP message of length 0");
  if (len > max_message_) {
    return fail(Errc::too_large, "SFTP message of " + std::to_string(len) + " bytes exceeds the limit of " +
                                     std::to_string(max_message_));
  }
  if (buffered() - 4 < len) return std::nullopt;
  wire::ByteView msg(buf_.data() + pos_ + 4, len);
  pos_ += 4 + std::size_t{len};
  return msg;
}

}  // namespace skiff::sftp
