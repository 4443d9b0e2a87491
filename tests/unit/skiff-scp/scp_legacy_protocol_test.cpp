// The legacy protocol's control lines and the sink's refusals (CVE-2019-6111 and
// CVE-2020-12062: a source must not choose names or paths the user did not ask for).
#include <gtest/gtest.h>

#include "skiff-scp/legacy_protocol.hpp"

namespace skiff::scp_cli {
namespace {

std::string reason(std::string_view line) {
  auto r = parse_control_line(line);
  return std::holds_alternative<ProtocolError>(r) ? std::get<ProtocolError>(r).reason : "";
}

TEST(ScpLegacyLine, FileDirEndTime) {
  auto f = std::get<FileRecord>(std::get<ControlRecord>(parse_control_line("C0644 1234 a file")));
  EXPECT_EQ(f.mode, 0644u);
  EXPECT_EQ(f.size, 1234u);
  EXPECT_EQ(f.name, "a file");
  auto d = std::get<DirRecord>(std::get<ControlRecord>(parse_control_line("D0755 0 dir")));
  EXPECT_EQ(d.mode, 0755u);
  EXPECT_EQ(d.name, "dir");
  EXPECT_TRUE(std::holds_alternative<EndDir>(std::get<ControlRecord>(parse_control_line("E"))));
  auto t = std::get<TimeRecord>(std::get<ControlRecord>(parse_control_line("T1600000000 0 1500000000 0")));
  EXPECT_EQ(t.mtime, 1600000000);
  EXPECT_EQ(t.atime, 1500000000);
  auto e = std::get<PeerError>(std::get<ControlRecord>(parse_control_line("\2scp: bad")));
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(e.message, "scp: bad");
}

TEST(ScpLegacyLine, Malformed) {
  EXPECT_EQ(reason(""), "unexpected <newline>");
  EXPECT_EQ(reason("X"), "expected control record");
  EXPECT_EQ(reason("Eextra"), "expected control record");
  EXPECT_EQ(reason("C0648 1 a"), "bad mode");
  EXPECT_EQ(reason("C064"), "bad mode");
  EXPECT_EQ(reason("C06441 a"), "mode not delimited");
  EXPECT_EQ(reason("C0644 x a"), "size not present");
  EXPECT_EQ(reason("C0644 12a"), "size not delimited");
  EXPECT_EQ(reason("C0644 12"), "size not delimited");
  EXPECT_EQ(reason("T1 0 2"), "atime.sec not delimited");
  EXPECT_EQ(reason("T1x"), "mtime.sec not delimited");
  EXPECT_EQ(reason("T1 9999999 2 0"), "mtime.usec not delimited");
  EXPECT_EQ(reason("T1 0 2 0 junk"), "atime.usec not delimited");
}

TEST(ScpLegacyLine, HugeSizesAndLongLines) {
  EXPECT_EQ(reason("C0644 9223372036854775808 a"), "size out of range");
  EXPECT_EQ(reason("C0644 99999999999999999999999 a"), "size out of range");
  auto max = std::get<FileRecord>(std::get<ControlRecord>(parse_control_line("C0644 9223372036854775807 a")));
  EXPECT_EQ(max.size, 9223372036854775807ull);
  EXPECT_EQ(reason("C0644 1 " + std::string(kMaxControlLine, 'n')), "control record too long");
  EXPECT_EQ(reason("T99999999999999999999 0 1 0"), "mtime.sec not delimited");
}

TEST(ScpSinkRules, RefusesBadNames) {
  SinkRules any{true, {}};
  EXPECT_EQ(*sink_refusal(any, false, "../evil"), "error: unexpected filename: ../evil");
  EXPECT_EQ(*sink_refusal(any, false, "/abs"), "error: unexpected filename: /abs");
  EXPECT_EQ(*sink_refusal(any, true, ".."), "error: unexpected filename: ..");
  EXPECT_EQ(*sink_refusal(any, true, "."), "error: unexpected filename: .");
  EXPECT_EQ(*sink_refusal(any, false, ""), "error: unexpected filename: ");
  EXPECT_FALSE(sink_refusal(any, false, "ok name"));
}

TEST(ScpSinkRules, DirectoryNeedsRecursive) {
  EXPECT_EQ(*sink_refusal(SinkRules{false, {}}, true, "d"), "protocol error: received directory without -r");
  EXPECT_FALSE(sink_refusal(SinkRules{true, {}}, true, "d"));
}

TEST(ScpSinkRules, OnlyRequestedNames) {
  SinkRules r{false, requested_patterns("dir/*.txt")};
  EXPECT_FALSE(sink_refusal(r, false, "a.txt"));
  EXPECT_EQ(*sink_refusal(r, false, "extra"), "protocol error: filename does not match request");
  SinkRules b{false, requested_patterns("/x/{a,b}c")};
  EXPECT_FALSE(sink_refusal(b, false, "ac"));
  EXPECT_FALSE(sink_refusal(b, false, "bc"));
  EXPECT_TRUE(sink_refusal(b, false, "cc"));
}

TEST(ScpSinkRules, RequestedPatterns) {
  EXPECT_EQ(requested_patterns("a/b/"), std::vector<std::string>{"b"});
  EXPECT_TRUE(requested_patterns("").empty());
  EXPECT_TRUE(requested_patterns("x/.").empty());
  EXPECT_EQ(requested_patterns("{a,{b,c}}"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(requested_patterns("{a"), std::vector<std::string>{"{a"});
  // A hostile pattern cannot explode: the count is capped.
  std::string many;
  for (int i = 0; i < 20; ++i) many += "{a,b}";
  EXPECT_LE(requested_patterns(many).size(), 2048u);
}

TEST(ScpLegacyLine, SourceLines) {
  EXPECT_EQ(file_line(0100644, 5, "n"), "C0644 5 n\n");
  EXPECT_EQ(dir_line(040755, "d"), "D0755 0 d\n");
  EXPECT_EQ(time_line(2, 1), "T2 0 1 0\n");
}

}  // namespace
}  // namespace skiff::scp_cli
