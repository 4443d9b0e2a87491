// skiff's command line as ssh 9.2 reads it: flag order, the destination forms, the
// remote command, and ssh's messages for bad input.
#include "skiff/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skiff::cli {
namespace {

Result<CommandLine> parse(std::vector<std::string> args) {
  return parse_command_line(args, "/home/u", [](const std::string& p) -> std::optional<std::string> {
    if (p.find("missing") != std::string::npos) return "No such file or directory";
    return std::nullopt;
  });
}

std::vector<std::string> lines(std::vector<std::string> args) {
  auto cl = parse(std::move(args));
  EXPECT_TRUE(cl.has_value()) << (cl ? "" : cl.error().message);
  return cl ? cl->config_lines : std::vector<std::string>{};
}

TEST(SkiffOptions, DestinationAndCommand) {
  auto cl = parse({"-p", "2222", "bob@host", "ls", "-l", "a b"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->host, "host");
  EXPECT_TRUE(cl->has_command);
  EXPECT_EQ(cl->command, "ls -l a b");  // joined with single spaces, as ssh
  EXPECT_EQ(cl->config_lines, (std::vector<std::string>{"Port 2222", "User \"bob\""}));
}

TEST(SkiffOptions, FlagsAfterTheDestinationUntilTheCommand) {
  auto cl = parse({"host", "-l", "x", "cmd", "-p", "5"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->command, "cmd -p 5");
  EXPECT_EQ(cl->config_lines, (std::vector<std::string>{"User \"x\""}));
  auto dashdash = parse({"host", "--", "-p", "5"});
  ASSERT_TRUE(dashdash);
  EXPECT_EQ(dashdash->command, "-p 5");
  auto before = parse({"--", "host", "-p"});
  ASSERT_TRUE(before);
  EXPECT_EQ(before->command, "-p");
  auto empty = parse({"host", ""});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->has_command);
}

TEST(SkiffOptions, SshUri) {
  auto cl = parse({"ssh://al%69ce;x=y@example.org:2200"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->host, "example.org");
  EXPECT_EQ(cl->config_lines, (std::vector<std::string>{"User \"alice\"", "Port 2200"}));
  EXPECT_FALSE(parse({"ssh://h/path"}));
  EXPECT_FALSE(parse({"ssh://@h"}));
  EXPECT_FALSE(parse({"ssh://h:0"}));
}

TEST(SkiffOptions, OverridingFlagsComeFirstWithTheirLastValue) {
  // -t after -o RequestTTY=no still wins (ssh sets it outright); -o wins over a later -p.
  EXPECT_EQ(lines({"-o", "RequestTTY=no", "-t", "-o", "Port=3", "-p", "4", "h"}),
            (std::vector<std::string>{"RequestTTY yes", "RequestTTY=no", "Port=3"}));
  EXPECT_EQ(lines({"-tt", "h"}), (std::vector<std::string>{"RequestTTY force"}));
  EXPECT_EQ(lines({"-t", "-T", "h"}), (std::vector<std::string>{"RequestTTY no"}));
  EXPECT_EQ(lines({"-N", "h"}), (std::vector<std::string>{"RequestTTY no", "SessionType none"}));
  EXPECT_EQ(lines({"-f", "h", "x"}), (std::vector<std::string>{"ForkAfterAuthentication yes", "StdinNull yes"}));
  EXPECT_EQ(lines({"-4", "-6", "-C", "h"}), (std::vector<std::string>{"AddressFamily inet6", "Compression yes"}));
  EXPECT_EQ(lines({"-MM", "h"}), (std::vector<std::string>{"ControlMaster ask"}));
  EXPECT_EQ(lines({"-e", "^A", "h"}), (std::vector<std::string>{"EscapeChar \"^A\""}));
}

TEST(SkiffOptions, Verbosity) {
  auto v3 = parse({"-vvvv", "h"});
  ASSERT_TRUE(v3);
  EXPECT_EQ(v3->debug_level, 3);
  EXPECT_EQ(v3->config_lines, (std::vector<std::string>{"LogLevel DEBUG3"}));
  auto q = parse({"-v", "-q", "-v", "h"});  // ssh's arithmetic: QUIET + 1
  ASSERT_TRUE(q);
  EXPECT_EQ(q->config_lines, (std::vector<std::string>{"LogLevel FATAL"}));
  EXPECT_EQ(q->log_level, "FATAL");
}

TEST(SkiffOptions, IdentityAndForwards) {
  auto cl = parse({"-i", "~/.ssh/k", "-i", "/missing", "-L", "8080:db:5432", "-L", "127.0.0.1:1:[::1]:2", "-R",
                   "9000", "-D", "1080", "h"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->config_lines,
            (std::vector<std::string>{"IdentityFile \"/home/u/.ssh/k\"", "LocalForward \"8080\" \"db:5432\"",
                                      "LocalForward \"127.0.0.1:1\" \"[::1]:2\"", "RemoteForward \"9000\"",
                                      "DynamicForward \"1080\""}));
  EXPECT_EQ(cl->warnings,
            (std::vector<std::string>{"Warning: Identity file /missing not accessible: No such file or directory.\n"}));
}

TEST(SkiffOptions, LaterIssuesFlagsAreKept) {
  auto cl = parse({"-W", "db:5432", "-J", "u@jump:2222", "-w", "0:1", "-E", "log", "-F", "cfg", "-y",
                   "-S", "/tmp/ctl", "-A", "-X", "-g", "-K", "h"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->stdio_forward, "db:5432");
  EXPECT_EQ(cl->tunnel, "0:1");
  EXPECT_EQ(cl->log_file, "log");
  EXPECT_EQ(cl->config_file, "cfg");
  EXPECT_TRUE(cl->use_syslog);
  EXPECT_EQ(cl->config_lines,
            (std::vector<std::string>{"RequestTTY no", "ProxyJump \"u@jump:2222\"", "Tunnel yes",
                                      "TunnelDevice \"0:1\"", "ControlPath \"/tmp/ctl\"", "ForwardAgent yes",
                                      "ForwardX11 yes", "GatewayPorts yes", "GSSAPIAuthentication yes",
                                      "GSSAPIDelegateCredentials yes", "SessionType none"}));
  auto sub = parse({"-s", "h", "sftp"});
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->command, "sftp");
  EXPECT_EQ(sub->config_lines, (std::vector<std::string>{"SessionType subsystem"}));
  EXPECT_EQ(parse({"-J", "a", "-J", "b", "h"}).error().message,
            "Only a single -J option is permitted (use commas to separate multiple jump hops)\r\n");
  EXPECT_EQ(parse({"-O", "check", "h"})->mux_command, "check");
  EXPECT_EQ(parse({"-W", "a:1", "-O", "check", "h"}).error().message,
            "Cannot specify multiplexing command with -W\r\n");
  EXPECT_EQ(parse({"-N", "-s", "h"}).error().message, "Cannot specify -s with -N/SessionType\r\n");
  EXPECT_EQ(parse({"-W", "x", "h"}).error().message, "Bad stdio forwarding specification 'x'\n");
}

TEST(SkiffOptions, EarlyExits) {
  auto v = parse({"-V", "-z"});
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->print_version);
  auto q = parse({"-Q", "cipher"});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->query, "cipher");
  auto g = parse({"-G", "h"});
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->print_config);
}

TEST(SkiffOptions, ErrorsWithSshMessages) {
  auto msg = [](std::vector<std::string> a) {
    auto r = parse(std::move(a));
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().message;
  };
  const std::string usage(usage_text());
  EXPECT_EQ(msg({"-z", "h"}), "unknown option -- z\r\n" + usage);
  EXPECT_EQ(msg({"h", "-p"}), "option requires an argument -- p\r\n" + usage);
  EXPECT_EQ(msg({}), usage);
  EXPECT_EQ(msg({"@h"}), usage);
  EXPECT_EQ(msg({"-p", "0", "h"}), "Bad port '0'\n");
  EXPECT_EQ(msg({"-e", "ab", "h"}), "Bad escape character 'ab'.\n");
  EXPECT_EQ(msg({"-c", "nope", "h"}), "Unknown cipher type 'nope'\n");
  EXPECT_EQ(msg({"-m", "nope", "h"}), "Unknown mac type 'nope'\n");
  EXPECT_EQ(msg({"-L", "8080", "h"}), "Bad local forwarding specification '8080'\n");
  EXPECT_EQ(msg({"-O", "x", "h"}), "Invalid multiplex command.\r\n");
  EXPECT_EQ(msg({"-s", "h"}), "You must specify a subsystem to invoke.\n" + usage);
  EXPECT_EQ(msg({"-1", "h"}), "SSH protocol v.1 is no longer supported\r\n");
  EXPECT_TRUE(usage.starts_with("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n"));
}

}  // namespace
}  // namespace skiff::cli
