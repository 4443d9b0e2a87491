// ssh's escape sequences over stdin bytes.
#include "skiff/escape.hpp"
#include "skiff/forward_spec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skiff::cli {
namespace {

using Kind = EscapeStep::Kind;

std::vector<EscapeStep> feed(EscapeFilter& f, std::string_view s) {
  return f.feed(wire::ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

std::string sent(const std::vector<EscapeStep>& steps) {
  std::string out;
  for (const auto& s : steps) {
    if (s.kind == Kind::data) out += s.text;
  }
  return out;
}

std::vector<Kind> kinds(const std::vector<EscapeStep>& steps) {
  std::vector<Kind> k;
  for (const auto& s : steps) k.push_back(s.kind);
  return k;
}

TEST(SkiffEscape, OnlyAtLineStart) {
  EscapeFilter f('~', "INFO");
  EXPECT_EQ(sent(feed(f, "a~.b")), "a~.b");
  auto s = feed(f, "\r~.rest");
  EXPECT_EQ(kinds(s), (std::vector<Kind>{Kind::data, Kind::message, Kind::disconnect}));
  EXPECT_EQ(s[0].text, "\r");
  EXPECT_EQ(s[1].text, "~.\r\n");
}

TEST(SkiffEscape, SessionStartCountsAsNewline) {
  EscapeFilter f('~', "INFO");
  EXPECT_EQ(kinds(feed(f, "~.")), (std::vector<Kind>{Kind::message, Kind::disconnect}));
}

TEST(SkiffEscape, TildeTildeAndUnknownEscapes) {
  EscapeFilter f('~', "INFO");
  EXPECT_EQ(sent(feed(f, "~~")), "~");
  EXPECT_EQ(sent(feed(f, "\n~x\n")), "\n~x\n");
  // The escape waits across reads.
  EXPECT_TRUE(feed(f, "~").empty());
  EXPECT_EQ(sent(feed(f, "q")), "~q");
  // After "~~" the line goes on: a later '~' is plain.
  EXPECT_EQ(sent(feed(f, "\n~~~.")), "\n~~.");
}

TEST(SkiffEscape, Actions) {
  EscapeFilter f('~', "INFO");
  auto s = feed(f, "~B~R\n~#\n~C");
  // ~R right after ~B counts: an escape leaves ssh's "after newline" flag alone.
  EXPECT_EQ(kinds(s), (std::vector<Kind>{Kind::message, Kind::send_break, Kind::rekey, Kind::data, Kind::message,
                                         Kind::list_forwards, Kind::data, Kind::message}));
  EXPECT_EQ(s[0].text, "~B\r\n");
  EXPECT_EQ(s[4].text, "~#\r\n");
  EXPECT_EQ(s[7].text, "commandline disabled\r\n");
}

TEST(SkiffEscape, SuspendDropsUnsentInput) {
  EscapeFilter f('~', "INFO");
  auto s = feed(f, "ls\n~\x1a" "after");
  EXPECT_EQ(kinds(s), (std::vector<Kind>{Kind::message, Kind::suspend, Kind::data}));
  EXPECT_EQ(s[0].text, "~^Z [suspend ssh]\r\n");
  EXPECT_EQ(s[2].text, "after");
}

TEST(SkiffEscape, BackgroundSendsEofAndStops) {
  EscapeFilter f('~', "INFO");
  auto s = feed(f, "~&more");
  EXPECT_EQ(kinds(s), (std::vector<Kind>{Kind::message, Kind::background, Kind::data}));
  EXPECT_EQ(s[0].text, "~& [backgrounded]\n");
  EXPECT_EQ(s[2].text, "\x04");
}

TEST(SkiffEscape, LogLevel) {
  EscapeFilter f('~', "INFO");
  auto s = feed(f, "~v");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].text, "~v [LogLevel VERBOSE]\r\n");
  EXPECT_EQ(s[1].text, "VERBOSE");
  s = feed(f, "~v");
  EXPECT_EQ(s[0].text, "~v [LogLevel DEBUG]\r\n");
  EXPECT_EQ(s[1].text, "DEBUG1");
  EscapeFilter q('~', "QUIET");
  EXPECT_EQ(feed(q, "~V")[0].text, "~V [LogLevel SILENT]\r\n");
  EscapeFilter d('~', "DEBUG3");
  EXPECT_EQ(feed(d, "~v")[0].text, "~v [LogLevel DEBUG3]\r\n");
}

TEST(SkiffEscape, HelpAsSsh) {
  EscapeFilter f('~', "INFO");
  const std::string help =
      "~?\r\n"
      "Supported escape sequences:\r\n"
      " ~.   - terminate connection (and any multiplexed sessions)\r\n"
      " ~B   - send a BREAK to the remote system\r\n"
      " ~R   - request rekey\r\n"
      " ~V/v - decrease/increase verbosity (LogLevel)\r\n"
      " ~^Z  - suspend ssh\r\n"
      " ~#   - list forwarded connections\r\n"
      " ~&   - background ssh (when waiting for connections to terminate)\r\n"
      " ~?   - this message\r\n"
      " ~~   - send the escape character by typing it twice\r\n"
      "(Note that escapes are only recognized immediately after newline.)\r\n";
  auto s = feed(f, "~?");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].text, help);
}

TEST(SkiffEscape, OtherEscapeCharacter) {
  EscapeFilter f('\x01', "INFO");  // EscapeChar ^A
  EXPECT_EQ(sent(feed(f, "~.")), "~.");
  EXPECT_EQ(kinds(feed(f, "\n\x01.")), (std::vector<Kind>{Kind::data, Kind::message, Kind::disconnect}));
}

TEST(SkiffEscape, CommandLineWhenEnabled) {
  EscapeFilter f('~', "INFO", true);
  auto s = feed(f, "~C");
  ASSERT_EQ(kinds(s), (std::vector<Kind>{Kind::command_line}));
  auto help = feed(f, "\n~?");
  ASSERT_FALSE(help.empty());
  EXPECT_NE(help.back().text.find(" ~C   - open a command line\r\n"), std::string::npos);
  EscapeFilter off('~', "INFO");
  EXPECT_EQ(feed(off, "~?").back().text.find("~C"), std::string::npos);
}

TEST(SkiffEscapeCommand, ParsesAsProcessCmdline) {
  using A = EscapeCommand::Action;
  auto add = parse_escape_command("-L 8080:localhost:80");
  EXPECT_EQ(add.action, A::add);
  EXPECT_EQ(add.type, 'L');
  EXPECT_EQ(add.spec.listen_port, 8080);
  EXPECT_EQ(add.spec.connect_host, "localhost");
  EXPECT_EQ(add.spec.connect_port, 80);
  EXPECT_EQ(parse_escape_command("L8080:h:1").action, A::add);  // the '-' is optional
  auto dyn = parse_escape_command(" -D 1080");
  EXPECT_EQ(dyn.action, A::add);
  EXPECT_TRUE(dyn.spec.dynamic());
  auto rdyn = parse_escape_command("-R 9000");  // remote dynamic
  EXPECT_EQ(rdyn.action, A::add);
  EXPECT_EQ(rdyn.type, 'R');
  auto cancel = parse_escape_command("-KR 127.0.0.1:9000");
  EXPECT_EQ(cancel.action, A::cancel);
  EXPECT_EQ(cancel.spec.listen_host, "127.0.0.1");
  EXPECT_EQ(cancel.spec.listen_port, 9000);
  EXPECT_EQ(parse_escape_command("-h").action, A::help);
  EXPECT_EQ(parse_escape_command("?").action, A::help);
  EXPECT_EQ(parse_escape_command("").action, A::none);
  EXPECT_EQ(parse_escape_command("-X").message, "Invalid command.");
  EXPECT_EQ(parse_escape_command("-L nonsense").message, "Bad local forwarding specification.");
  EXPECT_EQ(parse_escape_command("-R a:b:c:d:e").message, "Bad remote forwarding specification.");
  EXPECT_EQ(parse_escape_command("-KL a:b:c").message, "Bad forwarding close specification.");
  EXPECT_EQ(escape_command_help().front(), "Commands:");
}

}  // namespace
}  // namespace skiff::cli
