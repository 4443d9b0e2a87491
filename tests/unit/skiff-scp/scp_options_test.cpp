// skiff-scp's command line: flags, operands, locations and the SSH program's argv.
#include <gtest/gtest.h>

#include "skiff-scp/options.hpp"

namespace skiff::scp_cli {
namespace {

Options parse_ok(std::vector<std::string> args) {
  args.insert(args.begin(), "scp");
  auto r = parse_options(args, "skiff");
  EXPECT_TRUE(std::holds_alternative<Options>(r));
  return std::holds_alternative<Options>(r) ? std::get<Options>(r) : Options{};
}

Exit parse_exit(std::vector<std::string> args) {
  args.insert(args.begin(), "scp");
  auto r = parse_options(args, "skiff");
  EXPECT_TRUE(std::holds_alternative<Exit>(r));
  return std::holds_alternative<Exit>(r) ? std::get<Exit>(r) : Exit{};
}

TEST(ScpOptions, FlagsAndOperands) {
  auto o = parse_ok({"-rpq3", "-P", "2222", "-l100", "-i", "key", "-o", "A=b", "a", "h:b"});
  EXPECT_TRUE(o.recursive);
  EXPECT_TRUE(o.preserve);
  EXPECT_TRUE(o.quiet);
  EXPECT_TRUE(o.through_local);
  EXPECT_EQ(o.port, 2222);
  EXPECT_EQ(o.limit_kbps, 100u);
  EXPECT_EQ(o.mode, Mode::sftp);
  EXPECT_EQ(o.ssh_args, (std::vector<std::string>{"-i", "key", "-o", "A=b"}));
  EXPECT_EQ(o.operands, (std::vector<std::string>{"a", "h:b"}));
}

TEST(ScpOptions, LegacyAndSftpModes) {
  EXPECT_EQ(parse_ok({"-O", "a", "h:"}).mode, Mode::legacy);
  EXPECT_EQ(parse_ok({"-O", "-s", "a", "h:"}).mode, Mode::sftp);
  auto t = parse_ok({"-t", "-d", "--", "-dir"});
  EXPECT_TRUE(t.sink_mode);
  EXPECT_TRUE(t.target_must_be_dir);
  EXPECT_EQ(t.operands, std::vector<std::string>{"-dir"});
  EXPECT_TRUE(parse_ok({"-f", "x"}).source_mode);
}

TEST(ScpOptions, GetoptStopsAtFirstOperand) {
  auto o = parse_ok({"a", "-r", "h:b"});
  EXPECT_FALSE(o.recursive);
  EXPECT_EQ(o.operands.size(), 3u);
}

TEST(ScpOptions, Errors) {
  EXPECT_NE(parse_exit({"a"}).message.find("usage: scp"), std::string::npos);
  EXPECT_NE(parse_exit({"-Z", "a", "b"}).message.find("unknown option -- Z"), std::string::npos);
  EXPECT_NE(parse_exit({"-P"}).message.find("requires an argument -- P"), std::string::npos);
  EXPECT_EQ(parse_exit({"-P", "0", "a", "b"}).message, "scp: invalid port: 0\n");
  EXPECT_EQ(parse_exit({"-l", "0", "a", "b"}).status, 1);
  EXPECT_EQ(parse_exit({"-l", "x", "a", "b"}).status, 1);
  EXPECT_EQ(parse_exit({"-l", "999999999999", "a", "b"}).status, 1);
  EXPECT_EQ(parse_exit({"-t", "-f", "x"}).status, 1);
}

TEST(ScpOptions, Locations) {
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_location("plain")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_location("./a:b")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_location(":x")));
  auto r = std::get<Remote>(parse_location("u@h:p/q"));
  EXPECT_EQ(*r.user, "u");
  EXPECT_EQ(r.host, "h");
  EXPECT_EQ(r.path, "p/q");
  auto v6 = std::get<Remote>(parse_location("[::1]:x"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.path, "x");
  auto e = std::get<Remote>(parse_location("h:"));
  EXPECT_EQ(e.path, "");
  auto uri = std::get<Remote>(parse_location("scp://u@h:2200/dir/f"));
  EXPECT_EQ(*uri.user, "u");
  EXPECT_EQ(uri.host, "h");
  EXPECT_EQ(uri.port, 2200);
  EXPECT_EQ(uri.path, "dir/f");
  EXPECT_TRUE(std::holds_alternative<BadLocation>(parse_location("scp://h:99999/x")));
  EXPECT_TRUE(std::holds_alternative<BadLocation>(parse_location("scp://[::1/x")));
}

TEST(ScpOptions, SshArgv) {
  auto o = parse_ok({"-P", "2222", "-i", "k", "a", "h:b"});
  Remote r;
  r.user = "u";
  r.host = "h";
  auto argv = ssh_argv(o, r, "", true);
  ASSERT_GE(argv.size(), 6u);
  EXPECT_EQ(argv[0], "skiff");
  EXPECT_EQ(std::vector<std::string>(argv.end() - 8, argv.end()),
            (std::vector<std::string>{"-p", "2222", "-l", "u", "-s", "--", "h", "sftp"}));
  auto legacy = ssh_argv(o, r, "scp -t -- x", false);
  EXPECT_EQ(legacy.back(), "scp -t -- x");
  EXPECT_EQ(legacy[legacy.size() - 3], "--");
}

TEST(ScpOptions, RemoteCommand) {
  auto o = parse_ok({"-r", "-p", "a", "h:b"});
  EXPECT_EQ(remote_scp_command(o, true, true, "dir"), "scp -r -p -d -t -- dir");
  EXPECT_EQ(remote_scp_command(o, false, false, ""), "scp -r -p -f -- .");
  EXPECT_EQ(shell_quote("a'b"), "'a'\\''b'");
}

}  // namespace
}  // namespace skiff::scp_cli
