#include "wire/reader.hpp"

#include <string>

namespace skiff::wire {

Result<std::uint8_t> Reader::byte() {
  if (remaining() < 1) return fail(Errc::truncated, "byte past end of message");
  return data_[pos_++];
}

Result<bool> Reader::boolean() {
  auto b = byte();
  if (!b) return std::unexpected(b.error());
  return *b != 0;
}

Result<std::uint32_t> Reader::u32() {
  if (remaining() < 4) return fail(Errc::truncated, "uint32 past end of message");
  const std::uint8_t* p = data_.data() + pos_;
  pos_ += 4;
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

Result<std::uint64_t> Reader::u64() {
  auto hi = u32();
  if (!hi) return std::unexpected(hi.error());
  auto lo = u32();
  if (!lo) return std::unexpected(lo.error());
  return (std::uint64_t{*hi} << 32) | *lo;
}

Result<ByteView> Reader::string(std::size_t max_len) {
  auto len = u32();
  if (!len) return std::unexpected(len.error());
  if (*len > max_len) {
    return fail(Errc::too_large, "string of " + std::to_string(*len) + " bytes exceeds limit of " +
                                     std::to_string(max_len));
  }
  if (*len > remaining()) return fail(Errc::truncated, "string length past end of message");
  ByteView v = data_.subspan(pos_, *len);
  pos_ += *len;
  return v;
}

Result<std::string_view> Reader::text(std::size_t max_len) {
  auto s = string(max_len);
  if (!s) return std::unexpected(s.error());
  return std::string_view(reinterpret_cast<const char*>(s->data()), s->size());
}

Result<ByteView> Reader::mpint_unsigned(std::size_t max_len) {
  auto s = string(max_len + 1);
  if (!s) return std::unexpected(s.error());
  ByteView v = *s;
  if (v.empty()) return v;  // zero
  if (v[0] & 0x80) return fail(Errc::bad_format, "negative mpint");
  if (v[0] == 0) {
    if (v.size() == 1 || !(v[1] & 0x80)) return fail(Errc::bad_format, "non-canonical mpint");
    v = v.subspan(1);
  }
  if (v.size() > max_len) return fail(Errc::too_large, "mpint too large");
  return v;
}

Result<std::vector<std::string>> parse_name_list(std::string_view list) {
  std::vector<std::string> names;
  if (list.empty()) return names;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = list.find(',', start);
    std::string_view name =
        list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (name.empty()) return fail(Errc::bad_format, "empty name in name-list");
    if (name.size() > limits::kMaxAlgorithmNameLength) {
      return fail(Errc::too_large, "name in name-list too long");
    }
    for (char c : name) {
      if (c <= ' ' || c >= 0x7f) return fail(Errc::bad_format, "non-printable character in name-list");
    }
    if (names.size() >= limits::kMaxNamesInList) return fail(Errc::too_large, "too many names in name-list");
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return names;
}

Result<std::vector<std::string>> Reader::name_list(std::size_t max_len) {
  auto t = text(max_len);
  if (!t) return std::unexpected(t.error());
  return parse_name_list(*t);
}

Result<ByteView> Reader::raw(std::size_t n) {
  if (n > remaining()) return fail(Errc::truncated, "field past end of message");
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

ByteView Reader::rest() noexcept {
  ByteView v = data_.subspan(pos_);
  pos_ = data_.size();
  return v;
}

Result<void> Reader::expect_end() const {
  if (remaining() != 0) {
    return fail(Errc::trailing_data, std::to_string(remaining()) + " unexpected bytes after message");
  }
  return {};
}

}  // namespace skiff::wire
