// Reader: bounds-checked decoding of SSH data types (RFC 4251 section 5).
// Every length is compared with what remains before anything is copied, and a
// message must be consumed exactly: call expect_end() after the last field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

#include "wire/limits.hpp"

namespace skiff::wire {

using ByteView = std::span<const std::uint8_t>;

class Reader {
 public:
  explicit Reader(ByteView data) noexcept : data_(data) {}

  Result<std::uint8_t> byte();
  Result<bool> boolean();  // any non-zero byte is true (RFC 4251)
  Result<std::uint32_t> u32();
  Result<std::uint64_t> u64();
  // A string's bytes, viewed in place; max_len caps the declared length.
  Result<ByteView> string(std::size_t max_len = limits::kMaxString);
  Result<std::string_view> text(std::size_t max_len = limits::kMaxString);
  // An mpint's magnitude as unsigned big-endian bytes without leading zeros.
  // Negative values and non-canonical encodings (superfluous leading 0x00 or 0xff)
  // are rejected: SSH never needs them.
  Result<ByteView> mpint_unsigned(std::size_t max_len = limits::kMaxMpintBytes);
  // Comma-separated names: each non-empty, printable ASCII without commas.
  Result<std::vector<std::string>> name_list(std::size_t max_len = limits::kMaxNameListLength);
  // Exactly n raw bytes.
  Result<ByteView> raw(std::size_t n);
  // The rest of the input.
  ByteView rest() noexcept;

  Result<void> expect_end() const;
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool empty() const noexcept { return remaining() == 0; }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

// Splits a name-list without a Reader (used by the algorithm negotiation).
Result<std::vector<std::string>> parse_name_list(std::string_view list);

}  // namespace skiff::wire
