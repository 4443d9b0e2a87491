// skiff-sftp's parts that need no server: the command line, the command language,
// remote globbing over a fake file system, listing text and the progress meter's text.
#include <gtest/gtest.h>

#include <map>

#include "skiff-sftp/command_parser.hpp"
#include "skiff-sftp/listing_format.hpp"
#include "skiff-sftp/options.hpp"
#include "file-transfer/progress.hpp"
#include "skiff-sftp/remote_glob.hpp"

namespace skiff::sftp_cli {
namespace {

Options parse_ok(std::vector<std::string> args) {
  args.insert(args.begin(), "skiff-sftp");
  auto r = parse_options(args, "skiff");
  EXPECT_TRUE(std::holds_alternative<Options>(r)) << (std::holds_alternative<Exit>(r) ? std::get<Exit>(r).message : "");
  return std::holds_alternative<Options>(r) ? std::get<Options>(r) : Options{};
}

TEST(SftpCliOptions, DestinationFormsAndSshArguments) {
  auto o = parse_ok({"-P", "2222", "-i", "key", "-o", "Foo=bar", "alice@host:dir/x"});
  EXPECT_EQ(o.file1, "dir/x");
  const std::vector<std::string> want = {"skiff", "-oForwardX11 no", "-oPermitLocalCommand no",
                                         "-oClearAllForwardings yes", "-i", "key", "-o", "Foo=bar",
                                         "-oForwardAgent no", "-oPort 2222", "-l", "alice", "-s", "--", "host",
                                         "sftp"};
  EXPECT_EQ(o.child_argv, want);
  EXPECT_EQ(o.target_label, "host");

  auto u = parse_ok({"-S", "ssh", "sftp://bob@[::1]:2200//abs%20path"});
  EXPECT_EQ(u.child_argv.front(), "ssh");
  EXPECT_EQ(u.file1, "/abs path");
  EXPECT_NE(std::find(u.child_argv.begin(), u.child_argv.end(), "-oPort 2200"), u.child_argv.end());
  EXPECT_EQ(u.child_argv[u.child_argv.size() - 2], "::1");

  auto plain = parse_ok({"host"});
  EXPECT_FALSE(plain.file1.has_value());
  auto emptypath = parse_ok({"host:"});
  EXPECT_EQ(emptypath.file1, ".");
  auto server = parse_ok({"-s", "/usr/lib/sftp-server", "h"});
  EXPECT_EQ(server.child_argv.back(), "/usr/lib/sftp-server");
  EXPECT_EQ(std::count(server.child_argv.begin(), server.child_argv.end(), "-s"), 0);
}

TEST(SftpCliOptions, BatchDirectAndErrors) {
  auto o = parse_ok({"-b", "-", "-D", "/usr/lib/openssh/sftp-server -e -l 'DEBUG3'"});
  EXPECT_TRUE(o.direct);
  EXPECT_TRUE(o.quiet);
  EXPECT_FALSE(o.show_progress);
  EXPECT_EQ(o.child_argv, (std::vector<std::string>{"/usr/lib/openssh/sftp-server", "-e", "-l", "DEBUG3"}));
  auto noisy = parse_ok({"-b", "f", "-N", "h"});
  EXPECT_FALSE(noisy.quiet);
  auto sizes = parse_ok({"-B", "4096", "-R", "16", "h"});
  EXPECT_EQ(sizes.buffer_size, 4096u);
  EXPECT_EQ(sizes.num_requests, 16u);

  for (auto bad : std::vector<std::vector<std::string>>{
           {"skiff-sftp"}, {"skiff-sftp", "-B", "x", "h"}, {"skiff-sftp", "-R", "0", "h"},
           {"skiff-sftp", "-P", "99999", "h"}, {"skiff-sftp", "-Z", "h"}, {"skiff-sftp", "a", "b", "c"},
           {"skiff-sftp", "-b", "x", "-b", "y", "h"}, {"skiff-sftp", "sftp://@host"}, {"skiff-sftp", "-1", "h"}}) {
    auto r = parse_options(bad, "skiff");
    ASSERT_TRUE(std::holds_alternative<Exit>(r)) << bad.back();
    EXPECT_EQ(std::get<Exit>(r).status, 1);
  }
  auto usage = std::get<Exit>(parse_options({"skiff-sftp"}, "skiff"));
  EXPECT_EQ(usage.message.rfind("usage: skiff-sftp [-46AaCfNpqrv]", 0), 0u);
}

TEST(SftpCliCommands, WordsQuotesAndEscapes) {
  auto w = std::get<std::vector<std::string>>(split_words(R"(put "a b" 'c d' e\ f g#comment)"));
  EXPECT_EQ(w, (std::vector<std::string>{"put", "a b", "c d", "e f", "g"}));
  // Quoted wildcards are literal (escaped for glob); unquoted escapes of them are kept.
  auto g = std::get<std::vector<std::string>>(split_words(R"(ls "*.c" \*x *.h)"));
  EXPECT_EQ(g, (std::vector<std::string>{"ls", "\\*.c", "\\*x", "*.h"}));
  EXPECT_EQ(std::get<std::string>(split_words("get \"open")), "Unterminated quoted argument");
  EXPECT_EQ(undo_glob_escape("\\*a\\b\\\\"), "*a\\b\\");
  EXPECT_EQ(escape_glob("a*b[c]\\"), "a\\*b\\[c\\]\\\\");
  EXPECT_TRUE(has_glob_magic("a*"));
  EXPECT_FALSE(has_glob_magic("a\\*"));
}

TEST(SftpCliCommands, ParseLikeSftp) {
  auto c = parse_command("  -@get -p -r src \"dst x\"");
  EXPECT_EQ(c.cmd, Cmd::get);
  EXPECT_TRUE(c.ignore_errors && c.no_echo && c.pflag && c.rflag);
  EXPECT_EQ(c.path1, "src");
  EXPECT_EQ(c.path2, "dst x");
  EXPECT_EQ(parse_command("GET a").cmd, Cmd::get);  // case-insensitive, as strcasecmp
  EXPECT_EQ(parse_command("get").error, "You must specify at least one path after a get command.");
  EXPECT_EQ(parse_command("get -x a").error, "get: Invalid flag -x");
  EXPECT_EQ(parse_command("ls -z").error, "ls: Invalid flag -z");
  EXPECT_EQ(parse_command("frobnicate").error, "Invalid command.");
  EXPECT_EQ(parse_command("rename a").error, "You must specify two paths after a rename command.");
  EXPECT_EQ(parse_command("chmod abc f").error, "You must supply a numeric argument to the chmod command.");
  EXPECT_EQ(parse_command("chmod 755").error, "You must specify a path after a chmod command.");
  EXPECT_EQ(parse_command("chmod 755 f").number, 0755u);
  EXPECT_EQ(parse_command("chown 1000 f").number, 1000u);
  EXPECT_EQ(parse_command("rm").error, "You must specify a path after a rm command.");
  EXPECT_FALSE(parse_command("cd").error.has_value());
  EXPECT_EQ(parse_command("ls -lt").ls_flags, kLsLong | kLsTimeSort);
  EXPECT_EQ(parse_command("ls -1l").ls_flags, kLsNameSort | kLsLong);
  EXPECT_EQ(parse_command("ls -n").ls_flags, kLsNameSort | kLsNumeric | kLsLong);
  EXPECT_EQ(parse_command("ls -f").ls_flags, 0);
  EXPECT_EQ(parse_command("rm -- -dash").path1, "-dash");
  auto shell = parse_command("!echo hi");
  EXPECT_EQ(shell.cmd, Cmd::shell);
  EXPECT_EQ(shell.rest, "echo hi");
  auto lls = parse_command("lls -la /tmp");
  EXPECT_EQ(lls.rest, "-la /tmp");
  EXPECT_EQ(parse_command("# comment").cmd, Cmd::blank);
  EXPECT_EQ(parse_command("   ").cmd, Cmd::blank);
  EXPECT_EQ(parse_command("ln -s a b").sflag, true);
  EXPECT_EQ(parse_command("rename -l a b").legacy_rename, true);
  EXPECT_EQ(parse_command("put \"a*b\" \"c*d\"").path2, "c*d");  // the destination is not globbed
}

// A remote tree in memory.
class FakeRemote : public RemoteLookup {
 public:
  std::map<std::string, std::uint32_t> files;  // path -> st_mode
  std::optional<std::vector<sftp::NameEntry>> list(const std::string& dir) override {
    auto it = files.find(dir);
    if (it == files.end() || (it->second & sftp::kModeTypeMask) != sftp::kModeDirectory) return std::nullopt;
    std::vector<sftp::NameEntry> out;
    const std::string prefix = dir == "/" ? "/" : dir + "/";
    for (const auto& [p, mode] : files) {
      if (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 &&
          p.find('/', prefix.size()) == std::string::npos) {
        sftp::NameEntry e;
        e.name = p.substr(prefix.size());
        e.attrs.permissions = mode;
        out.push_back(e);
      }
    }
    return out;
  }
  std::optional<sftp::FileAttributes> stat(const std::string& path, bool) override {
    std::string p = path;
    if (p.size() > 1 && p.back() == '/') p.pop_back();
    auto it = files.find(p);
    if (it == files.end()) return std::nullopt;
    sftp::FileAttributes a;
    a.permissions = it->second;
    return a;
  }
};

TEST(SftpCliGlob, MatchesLikeGlob3) {
  FakeRemote fs;
  const std::uint32_t dir = sftp::kModeDirectory | 0755, file = sftp::kModeRegular | 0644;
  fs.files = {{"/", dir}, {"/d", dir}, {"/d/a.c", file}, {"/d/b.c", file}, {"/d/.h.c", file}, {"/d/sub", dir},
              {"/d/sub/x.c", file}, {"/d/*", file}};
  auto g = remote_glob(fs, "/d/*.c", false, true);
  ASSERT_EQ(g.status, GlobResult::Status::ok);
  ASSERT_EQ(g.paths.size(), 2u);
  EXPECT_EQ(g.paths[0].path, "/d/a.c");
  EXPECT_EQ(g.paths[1].path, "/d/b.c");
  auto dirs = remote_glob(fs, "/d/s*", false, true);
  ASSERT_EQ(dirs.paths.size(), 1u);
  EXPECT_EQ(dirs.paths[0].path, "/d/sub/");  // GLOB_MARK
  EXPECT_EQ(remote_glob(fs, "/d/*/x.c", false, false).paths.at(0).path, "/d/sub/x.c");
  EXPECT_EQ(remote_glob(fs, "/d/.*", false, false).match_count, 1u);
  EXPECT_EQ(remote_glob(fs, "/d/\\*", false, false).paths.at(0).path, "/d/*");  // escaped: literal
  EXPECT_EQ(remote_glob(fs, "/d/none*", false, false).status, GlobResult::Status::no_match);
  auto nocheck = remote_glob(fs, "/d/none\\*", true, false);
  EXPECT_EQ(nocheck.match_count, 0u);
  EXPECT_EQ(nocheck.paths.at(0).path, "/d/none*");
  EXPECT_EQ(make_absolute("x", "/a"), "/a/x");
  EXPECT_EQ(make_absolute("x", "/"), "/x");
  EXPECT_EQ(base_name("/a/b/"), "b");
}

TEST(SftpCliListing, LongLineAndScaledSizes) {
  sftp::FileAttributes a;
  a.permissions = sftp::kModeRegular | 0644;
  a.size = 1234;
  a.uid_gid = std::pair<std::uint32_t, std::uint32_t>(1000, 100);
  a.atime_mtime = std::pair<std::uint32_t, std::uint32_t>(0, 1577836800);  // 2020-01-01 UTC
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  EXPECT_EQ(ls_long_line("f", a, false, "alice", std::nullopt, 1700000000),
            "-rw-r--r--    ? alice    100          1234 Jan  1  2020 f");
  EXPECT_EQ(ls_long_line("f", a, false, std::nullopt, std::nullopt, 1577836900),
            "-rw-r--r--    ? 1000     100          1234 Jan  1 00:00 f");
  EXPECT_EQ(fmt_scaled(0), "0B");
  EXPECT_EQ(fmt_scaled(1023), "1023B");
  EXPECT_EQ(fmt_scaled(1536), "1.5K");
  EXPECT_EQ(fmt_scaled(270582939648LL), "252G");
  EXPECT_EQ(pad_right("ab", 5), "ab   ");
  sftp::StatvfsReply st{4096, 4096, 1000, 500, 400, 100, 50, 50, 0, 0, 255};
  EXPECT_EQ(df_table(st, false, false),
            "        Size         Used        Avail       (root)    %Capacity\n"
            "        4000         2000         1600         2000          50%\n");
}

TEST(SftpCliProgress, MeterLineLikeOpenSsh) {
  EXPECT_EQ(format_size(999), " 999  ");  // unit ' ' and then " " for plain bytes
  EXPECT_EQ(format_size(123456789), " 118MB");
  EXPECT_EQ(format_rate(1024 * 1024), "  1.0MB");
  MeterState s;
  s.file = "big";
  s.start = s.last_update = 100;
  s.end_pos = 1000;
  s.width = 80;
  std::string first = meter_line(s, 0, 100);
  EXPECT_EQ(first.size(), 80u);
  EXPECT_EQ(first.substr(0, 4), "\rbig");
  EXPECT_NE(first.find("  0%    0     0.0KB/s   --:-- ETA"), std::string::npos) << first;
  std::string done = meter_line(s, 1000, 102);
  EXPECT_NE(done.find("100% 1000     0.5KB/s "), std::string::npos) << done;
  EXPECT_NE(done.find("  00:02    "), std::string::npos) << done;
}

}  // namespace
}  // namespace skiff::sftp_cli
