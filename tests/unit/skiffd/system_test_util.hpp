// Helpers for skiffd's system tests: private temporary directories, a quiet log that
// goes to a file, reading descriptors to their end.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "system/privileged.hpp"
#include "system/server_log.hpp"

namespace skiffd_test {

class TempDir {
 public:
  explicit TempDir(const char* base = "/tmp") {
    std::string t = std::string(base) + "/skiffd-test-XXXXXX";
    path_ = ::mkdtemp(t.data()) ? t : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Reads fd until EOF (or EIO, which a pty master reports once the slave side is gone),
// giving up after the timeout.
inline std::string read_all(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::string out;
  auto end = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Waits until the conversation says something other than Running.
inline skiff::skiffd::ConversationState wait_state(skiff::skiffd::AuthConversation& c) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{c.wait_fd(), POLLIN, 0};
    ::poll(&p, 1, 200);
    auto s = c.poll();
    if (!std::holds_alternative<skiff::skiffd::conversation::Running>(s)) return s;
  }
  return skiff::skiffd::conversation::Running{};
}

}  // namespace skiffd_test
