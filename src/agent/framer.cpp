#include "agent/framer.hpp"

#include <algorithm>
#include <string>

#include "wire/writer.hpp"

namespace skiff::agent {

void Framer::append(wire::ByteView bytes) {
  if (pos_ > 0) {
    const std::size_t rest = buf_.size() - pos_;
    std::copy(buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buf_.end(), buf_.begin());
    crypto::wipe(buf_.data() + rest, pos_);
    buf_.resize(rest);
    pos_ = 0;
  }
  // Growth would free an unwiped block; the wiping allocator clears it on release.
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<wire::ByteView>> Framer::next() {
  if (buffered() < 4) return std::nullopt;
  const std::uint32_t len = wire::get_u32(buf_.data() + pos_);
  if (len == 0) return fail(Errc::bad_length, "agent message of length 0");
  if (len > max_message_) {
    return fail(Errc::too_large, "agent message of " + std::to_string(len) + " bytes exceeds the limit of " +
                                     std::to_string(max_message_));
  }
  if (buffered() - 4 < len) return std::nullopt;
  wire::ByteView msg(buf_.data() + pos_ + 4, len);
  pos_ += 4 + std::size_t{len};
  return msg;
}

}  // namespace skiff::agent
