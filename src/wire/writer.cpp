#include "wire/writer.hpp"

namespace skiff::wire {

Writer& Writer::byte(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

Writer& Writer::u32(std::uint32_t v) {
  std::uint8_t b[4];
  put_u32(b, v);
  out_.insert(out_.end(), b, b + 4);
  return *this;
}

Writer& Writer::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  return u32(static_cast<std::uint32_t>(v));
}

Writer& Writer::string(std::span<const std::uint8_t> v) {
  u32(static_cast<std::uint32_t>(v.size()));
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

Writer& Writer::string(std::string_view v) {
  u32(static_cast<std::uint32_t>(v.size()));
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

Writer& Writer::mpint_unsigned(std::span<const std::uint8_t> m) {
  std::size_t skip = 0;
  while (skip < m.size() && m[skip] == 0) ++skip;
  m = m.subspan(skip);
  bool pad = !m.empty() && (m[0] & 0x80);
  u32(static_cast<std::uint32_t>(m.size() + (pad ? 1 : 0)));
  if (pad) out_.push_back(0);
  out_.insert(out_.end(), m.begin(), m.end());
  return *this;
}

std::string join_name_list(std::span<const std::string> names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s.push_back(',');
    s += names[i];
  }
  return s;
}

Writer& Writer::name_list(std::span<const std::string> names) { return string(join_name_list(names)); }

Writer& Writer::raw(std::span<const std::uint8_t> v) {
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

Writer& Writer::raw(std::string_view v) {
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

}  // namespace skiff::wire
