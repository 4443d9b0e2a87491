// skiffd's command line: sshd's flags, clustering, arguments, and its error messages.
#include <gtest/gtest.h>

#include <vector>

#include "skiffd/options.hpp"
#include "skiffd/startups.hpp"

namespace skiffd {
namespace {

skiff::Result<Options> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "/usr/sbin/skiffd");
  return parse_options(args);
}

TEST(SkiffdOptions, FlagsAsSshd) {
  auto o = parse({"-D", "-e", "-f", "/x/cfg", "-p", "2222", "-p2223", "-h", "/k1", "-h/k2", "-o", "Port=5",
                  "-oLogLevel=DEBUG", "-4", "-q", "-E", "/tmp/log", "-g", "1m30s"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->no_daemon);
  EXPECT_TRUE(o->log_stderr);
  EXPECT_EQ(o->config_file, "/x/cfg");
  EXPECT_EQ(o->ports, (std::vector<std::uint16_t>{2222, 2223}));
  EXPECT_EQ(o->host_keys, (std::vector<std::string>{"/k1", "/k2"}));
  EXPECT_EQ(o->settings, (std::vector<std::string>{"Port=5", "LogLevel=DEBUG"}));
  EXPECT_EQ(o->address_family, "inet");
  EXPECT_TRUE(o->quiet);
  EXPECT_EQ(o->log_file, "/tmp/log");
  EXPECT_EQ(o->login_grace_time, 90);
  EXPECT_EQ(o->internal, Internal::none);
}

TEST(SkiffdOptions, ClusteredFlagsAndDebugLevels) {
  auto o = parse({"-ddd", "-d", "-iT6"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->debug, 3);  // -ddd is the most, as sshd's DEBUG3
  EXPECT_TRUE(o->inetd);
  EXPECT_EQ(o->test, 2);
  EXPECT_EQ(o->address_family, "inet6");
  // -E implies logging to stderr (redirected to the file).
  auto e = parse({"-E", "f"});
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->log_stderr);
}

TEST(SkiffdOptions, AcceptedAndIgnoredLikeSshd) {
  // -b, -k (protocol 1), -Q, -R: accepted silently; -c and -u accepted and noted.
  auto o = parse({"-b", "1024", "-k", "3600", "-Q", "-R", "-c", "/cert", "-u", "0", "-r"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->ignored.size(), 2u);
  EXPECT_TRUE(o->no_rexec);
}

TEST(SkiffdOptions, ErrorsWithSshdMessages) {
  auto unknown = parse({"-Z"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, skiff::Errc::invalid_argument);  // followed by the usage
  EXPECT_EQ(unknown.error().message, "unknown option -- Z");
  auto missing = parse({"-f"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "option requires an argument -- f");
  for (const char* bad : {"0", "65536", "x", "22x"}) {
    auto p = parse({"-p", bad});
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code, skiff::Errc::bad_format);
    EXPECT_EQ(p.error().message, "Bad port number.");
  }
  auto grace = parse({"-g", "5x"});
  ASSERT_FALSE(grace);
  EXPECT_EQ(grace.error().message, "Invalid login grace time.");
  auto extra = parse({"-D", "stray"});
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error().message, "Extra argument stray.");
}

TEST(SkiffdOptions, InternalMarkersOnlyAsFirstArgument) {
  std::vector<const char*> child{"/usr/sbin/skiffd", kConnectionChildFlag, "-f", "/c"};
  auto c = parse_options(child);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->internal, Internal::connection_child);
  EXPECT_EQ(c->config_file, "/c");
  std::vector<const char*> restarted{"/usr/sbin/skiffd", kRestartedFlag};
  EXPECT_EQ(parse_options(restarted)->internal, Internal::restarted);
  // Anywhere else it is an unknown option, never a way in.
  EXPECT_FALSE(parse({"-D", kConnectionChildFlag}));
}

TEST(SkiffdOptions, ConnectionSpec) {
  auto c = parse_connection_spec("user=u,host=h.example,addr=192.0.2.1,laddr=10.0.0.1,lport=2222");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "u");
  EXPECT_EQ(c->host, "h.example");
  EXPECT_EQ(c->addr, "192.0.2.1");
  EXPECT_EQ(c->laddr, "10.0.0.1");
  EXPECT_EQ(c->lport, 2222);
  auto bad = parse_connection_spec("user=u,colour=blue");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Invalid test mode specification colour=blue");
  // -C is checked while the flags are read, as sshd does.
  auto flag = parse({"-T", "-C", "user=u,colour=blue"});
  ASSERT_FALSE(flag);
  EXPECT_EQ(flag.error().code, skiff::Errc::bad_format);
  auto ok = parse({"-T", "-C", "user=u,lport=22"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->connection_spec->lport, 22);
  auto port = parse_connection_spec("lport=99999");
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().message, "Invalid port '99999' in test mode specification lport=99999");
}

TEST(SkiffdMaxStartups, BelowStartNeverDropsAtFullAlwaysDrops) {
  const skiff::config::MaxStartups limit{10, 30, 100};
  for (std::uint32_t r : {0u, 50u, 99u}) {
    EXPECT_FALSE(should_drop_connection(limit, 0, r));
    EXPECT_FALSE(should_drop_connection(limit, 9, r));
    EXPECT_TRUE(should_drop_connection(limit, 100, r));
    EXPECT_TRUE(should_drop_connection(limit, 150, r));
  }
}

TEST(SkiffdMaxStartups, ProbabilityRisesLinearlyFromRate) {
  const skiff::config::MaxStartups limit{10, 30, 100};
  // At start: 30%.
  EXPECT_TRUE(should_drop_connection(limit, 10, 29));
  EXPECT_FALSE(should_drop_connection(limit, 10, 30));
  // Half way (55): 30 + 70 * 45 / 90 = 65%.
  EXPECT_TRUE(should_drop_connection(limit, 55, 64));
  EXPECT_FALSE(should_drop_connection(limit, 55, 65));
  // Rate 100 drops everything from start on.
  EXPECT_TRUE(should_drop_connection({2, 100, 10}, 2, 99));
  // start == full: no division by zero, beyond start is full.
  EXPECT_FALSE(should_drop_connection({3, 30, 3}, 2, 0));
  EXPECT_TRUE(should_drop_connection({3, 30, 3}, 3, 99));
}

}  // namespace
}  // namespace skiffd
