// The legacy sink end to end over a memory file: what a hostile source sends is
// refused with scp's message and nothing lands outside the target directory.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "skiff-scp/legacy_io.hpp"

namespace skiff::scp_cli {
namespace {

namespace fs = std::filesystem;

struct SinkRun {
  fs::path root;
  std::string sent;  // what the sink answered
  bool fatal = false;
  int errors = 0;
};

SinkRun run_sink(const std::string& stream, SinkRules rules, bool recursive = false) {
  SinkRun r;
  char tmpl[] = "/tmp/scp_sink_test.XXXXXX";
  r.root = ::mkdtemp(tmpl);
  fs::create_directory(r.root / "target");
  int in = ::memfd_create("in", 0), out = ::memfd_create("out", 0);
  EXPECT_EQ(::write(in, stream.data(), stream.size()), static_cast<ssize_t>(stream.size()));
  ::lseek(in, 0, SEEK_SET);
  LegacySettings s;
  s.recursive = recursive;
  s.remote_side = true;
  LegacyPeer peer(in, out, s);
  peer.sink((r.root / "target").string(), rules, false);
  r.fatal = peer.fatal();
  r.errors = peer.errors();
  ::lseek(out, 0, SEEK_SET);
  char buf[4096];
  ssize_t n = ::read(out, buf, sizeof buf);
  if (n > 0) r.sent.assign(buf, static_cast<std::size_t>(n));
  ::close(in);
  ::close(out);
  return r;
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ScpLegacySink, ReceivesAFile) {
  auto r = run_sink(std::string("C0640 5 a.txt\nhello") + '\0', SinkRules{false, {"a.txt"}});
  EXPECT_FALSE(r.fatal);
  EXPECT_EQ(r.errors, 0);
  std::ifstream f(r.root / "target" / "a.txt");
  std::string content((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(content, "hello");
  EXPECT_EQ(r.sent, std::string(3, '\0'));  // start, after the C line, after the data
  fs::remove_all(r.root);
}

TEST(ScpLegacySink, RefusesEscapes) {
  for (const char* name : {"../evil", "/abs", "..", "."}) {
    auto r = run_sink(std::string("C0644 3 ") + name + "\nabc" + '\0', SinkRules{true, {}}, true);
    EXPECT_TRUE(r.fatal) << name;
    EXPECT_NE(r.sent.find(std::string("\1scp: error: unexpected filename: ") + name + "\n"), std::string::npos);
    EXPECT_EQ(entries(r.root), std::vector<std::string>{"target"});
    EXPECT_TRUE(entries(r.root / "target").empty());
    fs::remove_all(r.root);
  }
}

TEST(ScpLegacySink, RefusesUnrequestedAndDirectories) {
  auto extra = run_sink(std::string("C0644 1 a\nx") + '\0' + "C0644 1 extra\nx" + '\0', SinkRules{false, {"a"}});
  EXPECT_TRUE(extra.fatal);
  EXPECT_NE(extra.sent.find("filename does not match request"), std::string::npos);
  EXPECT_EQ(entries(extra.root / "target"), std::vector<std::string>{"a"});
  fs::remove_all(extra.root);
  auto dir = run_sink("D0755 0 d\nE\n", SinkRules{false, {}});
  EXPECT_TRUE(dir.fatal);
  EXPECT_NE(dir.sent.find("received directory without -r"), std::string::npos);
  EXPECT_TRUE(entries(dir.root / "target").empty());
  fs::remove_all(dir.root);
}

TEST(ScpLegacySink, TruncatedStreamEndsCleanly) {
  auto r = run_sink("C0644 9223372036854775807 huge\nabc", SinkRules{false, {}});
  EXPECT_TRUE(r.fatal);
  fs::remove_all(r.root);
  auto bad = run_sink("C0644 12x name\n", SinkRules{false, {}});
  EXPECT_TRUE(bad.fatal);
  EXPECT_NE(bad.sent.find("protocol error: size not delimited"), std::string::npos);
  fs::remove_all(bad.root);
}

}  // namespace
}  // namespace skiff::scp_cli
