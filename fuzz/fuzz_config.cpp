// libFuzzer target: ssh_config and sshd_config parsers on arbitrary text.
//
// Input: byte 0 picks the exec answer (bit 0), whether Include resolves to the input
// itself (bit 1, which exercises the depth limit) and which host is
// evaluated (bits 2-3); the rest is the configuration text, given to both parsers.
// Every accepted configuration is then evaluated, dumped and re-evaluated for a
// connection; nothing may crash, hang or grow without bound, and an error must carry
// OpenSSH's "terminating" line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/ssh_config.hpp"
#include "config/sshd_config.hpp"

using namespace skiff;
using namespace skiff::config;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_config: invariant violated: %s\n", why);
  std::abort();
}

void check_error(const Error& e) {
  if (e.code != Errc::bad_format && e.code != Errc::too_large) die("unexpected error code");
  if (e.message.find("terminating,") == std::string::npos) die("error without the terminating line");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool exec_answer = flags & 1;
  const bool include_self = flags & 2;
  static const char* const kHosts[] = {"h", "Web.Example.COM", "10.1.2.3", "a"};
  // Self-inclusion is answered a bounded number of times: enough to reach the depth
  // limit, not the 256-file cap on every input (the unit tests cover that), which
  // would make each run parse megabytes.
  int self_left = 24;
  IncludeResolver include = [&](std::string_view) -> Result<std::vector<IncludedFile>> {
    if (include_self && self_left-- > 0) return std::vector<IncludedFile>{{"self", text}};
    return std::vector<IncludedFile>{{"/etc/ssh/fixed.conf", "Port 2222\nHost a\n  User inc\n"}};
  };

  ClientContext ctx;
  ctx.host = kHosts[(flags >> 2) & 3];
  ctx.local_user = "root";
  ctx.home = "/root";
  ctx.local_host = "vm";
  ctx.local_short = "vm";
  ClientConfigBuilder b(ctx, include, [&](std::string_view) { return exec_answer; });
  if (auto r = b.read_file("fuzz", text, true); !r) {
    check_error(r.error());
  } else if (auto c = b.finish(); c) {
    const std::string dump = dump_client_config(*c);
    if (dump.empty() || !dump.starts_with("host ")) die("empty ssh -G dump");
    for (const auto& f : c->identity_files) (void)expand_tokens(f, *c, ctx);
  }

  self_left = 24;
  auto f = ServerConfigFile::parse("fuzz", text, include);
  if (!f) {
    check_error(f.error());
    return 0;
  }
  GroupLookup groups = [](std::string_view) { return std::vector<std::string>{"users", "admins"}; };
  for (const ConnectionInfo& conn : {ConnectionInfo{}, ConnectionInfo{"alice", "h.example", "10.1.2.3", "::1", 22}}) {
    auto c = f->for_connection(conn, groups);
    if (!c) continue;  // an algorithm list that empties the defaults
    if (dump_server_config(*c).empty()) die("empty sshd -T dump");
    for (const auto& p : c->authorized_keys_files) (void)expand_authorized_keys_path(p, "alice", "/home/alice", 1);
  }
  return 0;
}
