// skiff-sftp-server's command line, as sftp-server's.
#include <gtest/gtest.h>

#include "options.hpp"

using namespace skiff_sftp_server;
using skiff::sftp::LogLevel;

TEST(SftpServerOptions, FlagsAndArguments) {
  Options o = parse_options({"-eR", "-l", "verbose", "-fLOCAL3", "-u", "027", "-d", "%d/x", "-P", "remove,write"});
  EXPECT_TRUE(o.log_to_stderr);
  EXPECT_TRUE(o.server.policy.read_only);
  EXPECT_EQ(o.server.log_level, LogLevel::verbose);
  EXPECT_EQ(o.syslog_facility, syslog_facility_from_name("LOCAL3"));
  EXPECT_EQ(o.umask, 027u);
  EXPECT_EQ(o.start_directory, "%d/x");
  EXPECT_EQ(*o.server.policy.denied, (std::vector<std::string>{"remove", "write"}));
  EXPECT_TRUE(o.fatal.empty() && !o.usage);
}

TEST(SftpServerOptions, Errors) {
  EXPECT_TRUE(parse_options({"-h"}).usage);
  EXPECT_TRUE(parse_options({"-x"}).usage);
  EXPECT_TRUE(parse_options({"-l"}).usage);
  EXPECT_EQ(parse_options({"-u", "999"}).fatal, "Invalid umask \"999\"");
  EXPECT_EQ(parse_options({"-u", "12a"}).fatal, "Invalid umask \"12a\"");
  EXPECT_EQ(parse_options({"-p", "a", "-p", "b"}).fatal, "Permitted requests already set");
  EXPECT_EQ(parse_options({"-l", "LOUD"}).warnings.at(0), "Invalid log level \"LOUD\"");
  EXPECT_TRUE(parse_options({"-c", "-x"}).fatal.empty());  // invoked as a shell: the rest is ignored
  EXPECT_EQ(parse_options({"-Q", "requests"}).query, "requests");
}

TEST(SftpServerOptions, StartDirectoryExpansion) {
  auto home_of = [](const std::string& u) -> std::optional<std::string> {
    if (u == "bob") return "/home/bob";
    return std::nullopt;
  };
  EXPECT_EQ(expand_start_directory("%d/in/%u/%U/%%", "/home/al", "al", 1001, home_of), "/home/al/in/al/1001/%");
  EXPECT_EQ(expand_start_directory("~/pub", "/home/al", "al", 1001, home_of), "/home/al/pub");
  EXPECT_EQ(expand_start_directory("~bob/pub", "/home/al", "al", 1001, home_of), "/home/bob/pub");
  EXPECT_FALSE(expand_start_directory("~nobody", "/home/al", "al", 1001, home_of));
  EXPECT_FALSE(expand_start_directory("%x", "/home/al", "al", 1001, home_of));
}
