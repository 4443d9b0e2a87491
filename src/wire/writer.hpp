// Writer: encoding of SSH data types, appended to a caller-owned byte vector.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::wire {
using ByteView = std::span<const std::uint8_t>;
}

namespace skiff::wire {

using Bytes = std::vector<std::uint8_t>;

class Writer {
 public:
  explicit Writer(Bytes& out) noexcept : out_(out) {}

  Writer& byte(std::uint8_t v);
  Writer& boolean(bool v) { return byte(v ? 1 : 0); }
  Writer& u32(std::uint32_t v);
  Writer& u64(std::uint64_t v);
  Writer& string(std::span<const std::uint8_t> v);
  Writer& string(std::string_view v);
  // An unsigned big-endian magnitude as an mpint: leading zeros stripped, 0x00
  // prepended when the top bit is set.
  Writer& mpint_unsigned(std::span<const std::uint8_t> magnitude);
  Writer& name_list(std::span<const std::string> names);
  Writer& raw(std::span<const std::uint8_t> v);
  Writer& raw(std::string_view v);

  Bytes& bytes() noexcept { return out_; }

 private:
  Bytes& out_;
};

std::string join_name_list(std::span<const std::string> names);

inline void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
inline std::uint32_t get_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace skiff::wire
