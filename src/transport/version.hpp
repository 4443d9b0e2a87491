// The protocol version exchange (RFC 4253 section 4.2). The server may send other
// lines before its version line (bounded in count and length); the client may not.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

#include "wire/reader.hpp"

namespace skiff::transport {

struct PeerVersion {
  std::string line;      // the whole identification line without CR LF (V_C / V_S)
  std::string software;  // "OpenSSH_9.2p1"
  std::string comments;  // after the first space, may be empty
};

// "SSH-2.0-<software>[ <comments>]\r\n"
std::string make_version_line(std::string_view software, std::string_view comments);

class VersionReader {
 public:
  // allow_pre_banner: true on the client (servers may send banner lines first).
  explicit VersionReader(bool allow_pre_banner) noexcept : allow_pre_banner_(allow_pre_banner) {}

  // Consumes bytes up to and including the version line. Returns how many bytes of data
  // were used; anything after the version line is left for the packet layer.
  Result<std::size_t> consume(wire::ByteView data);
  bool done() const noexcept { return done_; }
  const PeerVersion& version() const noexcept { return version_; }
  const std::vector<std::string>& pre_banner_lines() const noexcept { return pre_banner_; }

 private:
  Result<void> finish_line();

  bool allow_pre_banner_;
  bool done_ = false;
  bool expect_newline_ = false;
  std::string line_;
  std::size_t lines_seen_ = 0;
  std::size_t bytes_seen_ = 0;
  std::vector<std::string> pre_banner_;
  PeerVersion version_;
};

}  // namespace skiff::transport
