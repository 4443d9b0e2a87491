#include "transport/version.hpp"

#include "wire/limits.hpp"

namespace skiff::transport {

std::string make_version_line(std::string_view software, std::string_view comments) {
  std::string s = "SSH-2.0-";
  s += software;
  if (!comments.empty()) {
    s += ' ';
    s += comments;
  }
  s += "\r\n";
  return s;
}

Result<std::size_t> VersionReader::consume(wire::ByteView data) {
  std::size_t used = 0;
  while (!done_ && used < data.size()) {
    char c = static_cast<char>(data[used++]);
    ++bytes_seen_;
    if (bytes_seen_ > limits::kMaxPreBannerBytes) {
      return fail(Errc::too_large, "too much data before the version line");
    }
    // As OpenSSH: carriage returns are dropped, but only right before the line feed; the
    // line without them is what enters the exchange hash on both sides.
    if (c == '\r') {
      expect_newline_ = true;
      continue;
    }
    if (c == '\n') {
      expect_newline_ = false;
      auto r = finish_line();
      if (!r) return std::unexpected(r.error());
      continue;
    }
    if (c == '\0' || expect_newline_) {
      return fail(Errc::bad_format, "version exchange line contains invalid characters");
    }
    line_.push_back(c);
    std::size_t cap = line_.starts_with("SSH-") ? limits::kMaxVersionLineLength
                                                : limits::kMaxPreBannerLineLength;
    if (line_.size() > cap) return fail(Errc::too_large, "version exchange line too long");
  }
  return used;
}

Result<void> VersionReader::finish_line() {
  std::string line;
  line.swap(line_);
  if (!line.starts_with("SSH-")) {
    if (!allow_pre_banner_) return fail(Errc::bad_format, "invalid SSH identification string");
    if (++lines_seen_ > limits::kMaxPreBannerLines) {
      return fail(Errc::too_large, "too many lines before the version line");
    }
    pre_banner_.push_back(std::move(line));
    return {};
  }
  std::string_view v = line;
  std::string_view rest;
  if (v.starts_with("SSH-2.0-")) {
    rest = v.substr(8);
  } else if (v.starts_with("SSH-1.99-")) {
    rest = v.substr(9);  // a server that speaks both: 2.0 for us
  } else {
    return fail(Errc::unsupported, "protocol version not supported: " + std::string(v.substr(0, 32)));
  }
  std::size_t sp = rest.find(' ');
  std::string_view software = rest.substr(0, sp);
  if (software.empty()) return fail(Errc::bad_format, "empty software version in identification");
  for (char c : software) {
    if (c <= ' ' || c > '~' || c == '-') {
      // RFC 4253 forbids '-' in softwareversion, but real peers send it; allow printable.
      if (c == '-') continue;
      return fail(Errc::bad_format, "invalid character in software version");
    }
  }
  version_.line = line;
  version_.software = std::string(software);
  version_.comments = sp == std::string_view::npos ? std::string() : std::string(rest.substr(sp + 1));
  done_ = true;
  return {};
}

}  // namespace skiff::transport
