// skiff-scp's legacy sink (scp -t, and a remote-to-local -O copy) against a hostile
// source: the input is what the source sends. The sink writes into a fresh directory;
// after each run nothing may exist beside it (no '..', '/abs' or other escape), and
// the sink must end (no hang on a short stream, no unbounded memory on huge sizes).
//
// Input: byte 0 chooses the sink's flags (bit 0 -r, bit 1 -p, bit 2 a "*.txt"
// request to match, bit 3 the target must be a directory); the rest is the stream.
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "skiff-scp/legacy_io.hpp"

namespace {

std::string g_root;  // private directory holding only "target"

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

void reset_target() {
  ::nftw((g_root + "/target").c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  ::mkdir((g_root + "/target").c_str(), 0700);
}

// Anything in the root besides "target" escaped the sink.
void check_nothing_escaped() {
  DIR* d = ::opendir(g_root.c_str());
  if (!d) std::abort();
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != ".." && n != "target") std::abort();
  }
  ::closedir(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if (g_root.empty()) {
    char tmpl[] = "/tmp/fuzz_scp_sink.XXXXXX";
    if (!::mkdtemp(tmpl)) std::abort();
    g_root = tmpl;
    ::umask(022);
  }
  reset_target();
  const std::uint8_t flags = data[0];
  int in = ::memfd_create("scp-source", MFD_CLOEXEC);
  int out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (in < 0 || out < 0) std::abort();
  if (size > 1 && ::write(in, data + 1, size - 1) != static_cast<ssize_t>(size - 1)) std::abort();
  ::lseek(in, 0, SEEK_SET);

  skiff::scp_cli::LegacySettings settings;
  settings.recursive = flags & 1;
  settings.preserve = flags & 2;
  settings.remote_side = true;  // errors go to the peer (/dev/null), not our stderr
  skiff::scp_cli::SinkRules rules{settings.recursive, {}};
  if (flags & 4) rules.patterns = {"*.txt"};
  skiff::scp_cli::LegacyPeer peer(in, out, settings);
  peer.sink(g_root + "/target", rules, flags & 8);
  ::close(in);
  ::close(out);
  check_nothing_escaped();
  return 0;
}
