// libFuzzer target: the version exchange reader (RFC 4253 4.2) fed arbitrary bytes in
// arbitrary chunks, as a client (pre-banner lines allowed) or as a server.
//
// Input: byte 0 picks the role (bit 0); the chunk sizes come from the end of the input
// (FuzzedDataProvider), the bytes from the front. The same bytes are then given to a
// second reader in one piece: both must agree on the outcome, since where TCP splits
// a stream must not change what it means.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "transport/version.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using skiff::transport::VersionReader;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_version: invariant violated: %s\n", why);
  std::abort();
}

struct Outcome {
  bool done = false;
  bool failed = false;
  Errc code{};
  std::size_t used = 0;  // bytes taken in total
};

void check_done(const VersionReader& r, bool pre_banner_allowed) {
  const auto& v = r.version();
  if (!(v.line.starts_with("SSH-2.0-") || v.line.starts_with("SSH-1.99-"))) die("accepted a non-2.0 version");
  if (v.line.size() > limits::kMaxVersionLineLength) die("version line longer than the cap");
  for (char c : v.line) {
    if (c == '\n' || c == '\0') die("LF or NUL kept in the version line");
  }
  // A CR inside the line ("...\r\r\n") is kept: OpenSSH drops every CR instead. Other
  // control characters in the comments and banner lines reach the caller as they are.
  if (v.software.empty()) die("empty software version accepted");
  for (char c : v.software) {
    if (c <= ' ' || c > '~') die("unprintable character in software version");
  }
  if (v.line.find(v.software) == std::string::npos) die("software not part of the line");
  if (!pre_banner_allowed && !r.pre_banner_lines().empty()) die("server accepted pre-banner lines");
  if (r.pre_banner_lines().size() > limits::kMaxPreBannerLines) die("too many pre-banner lines kept");
  for (const auto& l : r.pre_banner_lines()) {
    if (l.size() > limits::kMaxPreBannerLineLength) die("pre-banner line longer than the cap");
    if (l.starts_with("SSH-")) die("a version line was taken as a banner line");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool client = data[0] & 1;
  FuzzedDataProvider fdp(data + 1, size - 1);
  // The stream is the front part; chunk sizes are taken from the back as needed.
  const std::size_t stream_len = fdp.ConsumeIntegralInRange<std::size_t>(0, fdp.remaining_bytes());
  std::vector<std::uint8_t> stream = fdp.ConsumeBytes<std::uint8_t>(stream_len);

  Outcome chunked;
  VersionReader r(client);
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t n = fdp.remaining_bytes() ? fdp.ConsumeIntegralInRange<std::size_t>(1, 64) : stream.size() - pos;
    n = std::min(n, stream.size() - pos);
    auto used = r.consume(wire::ByteView(stream.data() + pos, n));
    if (!used) {
      chunked.failed = true;
      chunked.code = used.error().code;
      break;
    }
    if (*used > n) die("consumed more than given");
    if (!r.done() && *used != n) die("stopped early without finishing");
    chunked.used += *used;
    if (r.done()) {
      // Nothing more is taken once the line is complete.
      auto again = r.consume(wire::ByteView(stream.data() + pos, n));
      if (!again || *again != 0) die("took bytes after the version line");
      break;
    }
    pos += n;
  }
  chunked.done = r.done();
  if (chunked.done) check_done(r, client);
  if (chunked.used > limits::kMaxPreBannerBytes) die("more than the pre-banner cap consumed");

  Outcome whole;
  VersionReader w(client);
  auto used = w.consume(stream);
  if (!used) {
    whole.failed = true;
    whole.code = used.error().code;
  } else {
    whole.used = *used;
  }
  whole.done = w.done();
  if (whole.done != chunked.done || whole.failed != chunked.failed) die("chunking changed the outcome");
  if (whole.failed && whole.code != chunked.code) die("chunking changed the error");
  if (whole.done) {
    if (whole.used != chunked.used) die("chunking changed where the version line ends");
    if (w.version().line != r.version().line || w.version().comments != r.version().comments ||
        w.pre_banner_lines() != r.pre_banner_lines()) {
      die("chunking changed the parsed version");
    }
  }
  return 0;
}
