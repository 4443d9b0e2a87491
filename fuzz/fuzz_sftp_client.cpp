// libFuzzer target: the SFTP client engine facing a fuzzed server in the middle of its
// work. After INIT and a VERSION (extensions picked by the input), the client has a
// download, an upload and plain requests outstanding; then the input is the server's:
// either raw bytes in arbitrary chunks (bit 0 of byte 0), or replies built from the
// input that answer the ids the client really sent (so they reach deep into transfer
// handling: short reads, reordering, EOF, errors, wrong types, oversized fields).
//
// Invariants: nothing crashes or grows without bound (outstanding requests and queued
// events stay under the caps), a failed engine refuses everything afterwards, and a
// download never delivers bytes outside what it asked for.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "sftp/client.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using namespace skiff::sftp;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_sftp_client: invariant violated: %s\n", why);
  std::abort();
}

// The request ids in the client's output since last time.
void collect_ids(Client& c, std::vector<std::uint32_t>& ids) {
  auto out = c.pending_output();
  std::size_t pos = 0;
  while (out.size() - pos >= 9) {
    const std::uint32_t len = wire::get_u32(out.data() + pos);
    if (len < 5 || out.size() - pos - 4 < len) break;
    ids.push_back(wire::get_u32(out.data() + pos + 5));
    pos += 4 + len;
  }
  c.consume_output(out.size());
}

Response make_reply(FuzzedDataProvider& in, std::uint32_t id, std::vector<std::string>& keep) {
  auto text = [&](std::size_t max) {
    keep.push_back(in.ConsumeRandomLengthString(max));
    return keep.back();
  };
  auto attrs = [&] {
    FileAttributes a;
    if (in.ConsumeBool()) a.size = in.ConsumeIntegral<std::uint64_t>();
    if (in.ConsumeBool()) a.permissions = in.ConsumeIntegral<std::uint32_t>();
    return a;
  };
  switch (in.ConsumeIntegralInRange(0, 6)) {
    case 0: return Status{id, static_cast<StatusCode>(in.ConsumeIntegralInRange(0, 9)), text(20), ""};
    case 1: {
      keep.push_back(std::string(in.ConsumeIntegralInRange<std::size_t>(0, 40000), 'x'));
      const auto& s = keep.back();
      return Data{id, BinaryString{wire::ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())}};
    }
    case 2: return HandleReply{id, text(300)};
    case 3: {
      Name n{id, {}};
      const int count = in.ConsumeIntegralInRange(0, 3);
      for (int i = 0; i < count; ++i) n.entries.push_back({text(30), text(30), attrs()});
      return n;
    }
    case 4: return Attrs{id, attrs()};
    case 5: {
      keep.push_back(in.ConsumeRandomLengthString(100));
      const auto& s = keep.back();
      return ExtendedReply{id, RawTail{wire::ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())}};
    }
    default: return Version{3, {}};
  }
}

void check(Client& c, std::uint64_t download_limit) {
  if (c.outstanding() > limits::kMaxSftpClientOutstanding) die("too many outstanding requests");
  std::size_t events = 0;
  while (auto e = c.poll_event()) {
    if (++events > limits::kMaxSftpClientOutstanding * 2) die("unbounded events");
    if (auto* chunk = std::get_if<DownloadChunk>(&*e)) {
      if (chunk->data.empty() || chunk->offset + chunk->data.size() > download_limit) die("chunk out of range");
    }
  }
  if (c.failure() && c.stat("/").has_value()) die("a failed client accepted a request");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::uint8_t mode = in.ConsumeIntegral<std::uint8_t>();
  ClientOptions options;
  if (mode & 2) options.request_size = in.ConsumeIntegralInRange<std::size_t>(1, 70000);
  if (mode & 4) options.max_in_flight = in.ConsumeIntegralInRange<std::size_t>(1, 200);
  Client c(options);
  c.start();
  c.consume_output(c.pending_output().size());
  ExtensionPairs ext;
  for (auto name : {kExtPosixRename, kExtStatvfs, kExtHardlink, kExtFsync, kExtCopyData, kExtUsersGroupsById}) {
    if (in.ConsumeBool()) ext.emplace_back(std::string(name), name == kExtStatvfs ? "2" : "1");
  }
  wire::Bytes version;
  append_message(version, Response{Version{3, ext}});
  if (!c.feed(version)) return 0;
  if (!c.ready()) return 0;
  (void)c.poll_event();

  // Work in progress: plain requests, a download with a known size and an upload.
  (void)c.stat("/a");
  (void)c.realpath(".");
  (void)c.open("/f", kOpenRead);
  (void)c.readdir("h");
  (void)c.statvfs("/");
  (void)c.users_groups_by_id({0, 1}, {0});
  const std::uint64_t dl_size = in.ConsumeIntegralInRange<std::uint64_t>(0, 1 << 20);
  const std::uint64_t dl_start = in.ConsumeIntegralInRange<std::uint64_t>(0, 1000);
  auto download = c.start_download("dh", dl_start, in.ConsumeBool() ? std::optional(dl_size) : std::nullopt);
  auto upload = c.start_upload("uh", 0);
  // Chunks must lie within the offsets a 64-bit file can have; the engine itself
  // refuses data beyond what each READ asked for.
  const std::uint64_t download_limit = UINT64_MAX;
  const wire::Bytes chunk(std::min<std::size_t>(c.write_size(), 1000), 0x55);
  std::vector<std::uint32_t> ids;

  for (int round = 0; round < 2000 && in.remaining_bytes() > 0; ++round) {
    if (upload && in.ConsumeBool()) {
      for (int i = 0; i < 4 && c.upload_ready(*upload); ++i) (void)c.upload_write(*upload, chunk);
      if (in.ConsumeBool()) (void)c.upload_finish(*upload);
    }
    if (download && in.ConsumeIntegralInRange(0, 15) == 0) c.cancel_transfer(*download);
    collect_ids(c, ids);
    Result<void> fed;
    if (mode & 1) {
      auto piece = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(1, 512));
      fed = c.feed(piece);
    } else {
      std::uint32_t id = in.ConsumeIntegral<std::uint32_t>();
      if (!ids.empty() && in.ConsumeIntegralInRange(0, 7) != 0) {
        const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, ids.size() - 1);
        id = ids[k];
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
      }
      std::vector<std::string> keep;
      wire::Bytes msg;
      append_message(msg, make_reply(in, id, keep));
      fed = c.feed(msg);
    }
    check(c, download_limit);
    if (!fed) break;
  }
  check(c, download_limit);
  return 0;
}
