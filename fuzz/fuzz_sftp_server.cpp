// libFuzzer target: the SFTP server engine fed a fuzzed client's byte stream, over a
// file system in memory (never the real one: a fuzzed client would write anywhere).
//
// Input: byte 0 holds options: bit 0 read-only, bit 1 a deny list ("remove,write"),
// bit 2 an INIT is sent first (so inputs reach the requests at once), bit 3 the output
// is taken after every piece (else never, which exercises backpressure), bits 4-7 the
// piece size (1 << n bytes). The rest is the stream. Nothing may crash or hang, output
// must stay under its bound, and an error must be final.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "sftp/server.hpp"
#include "unit/sftp/memory_file_system.hpp"

using namespace skiff;
using namespace skiff::sftp;

namespace {
[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_sftp_server: invariant violated: %s\n", why);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  testing::MemoryFileSystem fs;
  fs.put_file("/home/u/file", "0123456789abcdef");
  fs.nodes()["/home/u/dir"] = testing::MemoryFileSystem::Node{.mode = kModeDirectory | 0755};
  fs.nodes()["/home/u/link"] = testing::MemoryFileSystem::Node{.mode = kModeSymlink | 0777, .link_target = "file"};
  fs.nodes()["/home/u/loop"] = testing::MemoryFileSystem::Node{.mode = kModeSymlink | 0777, .link_target = "loop"};
  ServerOptions options;
  options.policy.read_only = flags & 1;
  if (flags & 2) options.policy.denied = std::vector<std::string>{"remove", "write"};
  options.log_level = LogLevel::debug3;  // format every log line too
  options.max_open_handles = 16;
  Server server(fs, options);

  const bool drain = flags & 8;
  const std::size_t piece = std::size_t{1} << (flags >> 4);
  constexpr std::size_t kOutputBound = limits::kMaxSftpPendingOutput + limits::kMaxSftpMessage + 64;

  if (flags & 4) {
    const std::uint8_t init[] = {0, 0, 0, 5, 1, 0, 0, 0, 3};
    if (!server.feed(init)) die("INIT refused");
  }
  bool failed = false;
  for (std::size_t pos = 1; pos < size;) {
    if (!server.wants_input()) {
      if (failed || !drain) break;
      server.consume_output(server.pending_output().size());
      if (!server.resume()) failed = true;
      continue;
    }
    const std::size_t n = std::min(piece, size - pos);
    auto r = server.feed(std::span(data + pos, n));
    pos += n;
    if (!r) {
      if (!failed && server.feed(std::span(data, 1))) die("an error was not final");
      failed = true;
      break;
    }
    if (server.pending_output().size() > kOutputBound) die("output grew past its bound");
    if (drain) server.consume_output(server.pending_output().size());
    while (server.poll_log()) {
    }
    if (server.open_handle_count() > options.max_open_handles) die("handle table beyond its cap");
  }
  if (server.pending_output().size() > kOutputBound) die("output grew past its bound");
  server.close_all();
  while (server.poll_log()) {
  }
  return 0;
}
