// Tab completion at skiff-sftp's prompt: command names, then local or remote names by
// the command's argument table (sftp.c cmds[]), escaping, hidden files, flags skipped.
#include <gtest/gtest.h>

#include "skiff-sftp/completion.hpp"

using namespace skiff::sftp_cli;

namespace {

// A remote and a local tree, and the directories the completer asked for.
struct Fake {
  std::vector<std::string> asked;
  std::vector<DirEntry> operator()(const std::string& dir, bool remote) {
    asked.push_back((remote ? "R:" : "L:") + dir);
    if (remote && dir.empty()) {
      return {{"report.txt", false}, {"reports", true}, {".hidden", false}, {"my file", false}, {"..", true}};
    }
    if (remote && dir == "reports/") return {{"2025.csv", false}, {"2026.csv", false}};
    if (!remote && dir.empty()) return {{"local.bin", false}, {"src", true}};
    return {};
  }
};

Completion run(Fake& f, std::string_view line) {
  return complete_line(line, [&f](const std::string& d, bool r) { return f(d, r); });
}

TEST(SftpCompletion, CommandNames) {
  Fake f;
  EXPECT_EQ(run(f, "rmd").insert, "ir ");
  auto c = run(f, "re");
  EXPECT_EQ(c.insert, "");
  EXPECT_EQ(c.shown, (std::vector<std::string>{"reget", "rename", "reput"}));
  auto l = run(f, "l");
  EXPECT_EQ(l.insert, "");
  EXPECT_GE(l.shown.size(), 6u);
  EXPECT_TRUE(f.asked.empty());
}

TEST(SftpCompletion, ArgumentsFollowTheCommandTable) {
  Fake f;
  // get: the first argument is remote, the second local.
  EXPECT_EQ(run(f, "get rep").insert, "ort");
  EXPECT_EQ(run(f, "get rep").shown, (std::vector<std::string>{"report.txt", "reports/"}));
  EXPECT_EQ(run(f, "get report.txt lo").insert, "cal.bin ");
  // put: local, then remote; flags do not count.
  EXPECT_EQ(run(f, "put -p s").insert, "rc/");
  EXPECT_EQ(run(f, "put -p src reports/20").insert, "2");
  EXPECT_EQ(run(f, "put -p src reports/20").shown, (std::vector<std::string>{"2025.csv", "2026.csv"}));
  // A command without file arguments, or beyond them: nothing.
  EXPECT_EQ(run(f, "version x").insert, "");
  EXPECT_EQ(run(f, "cd reports x").insert, "");
  EXPECT_EQ(run(f, "nosuch x").insert, "");
  EXPECT_EQ(run(f, "get -").insert, "");
}

TEST(SftpCompletion, EscapesAndHiddenNames) {
  Fake f;
  EXPECT_EQ(run(f, "get my").insert, "\\ file ");
  EXPECT_EQ(run(f, "get my\\ f").insert, "ile ");
  EXPECT_EQ(run(f, "get \"my f").insert, "ile ");
  EXPECT_EQ(run(f, "get .h").insert, "idden ");
  // Without a leading dot, hidden names and . / .. are not offered.
  auto all = run(f, "ls ");
  EXPECT_EQ(all.shown, (std::vector<std::string>{"my file", "report.txt", "reports/"}));
}

}  // namespace
