// skiffd's forwarding sockets (system/forward_sockets.hpp): Unix listeners under the bind
// mask, unlink-first, sshd's error wording, the low-port rule, and (as root) a socket made
// under another user's file-system identity.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "system/forward_sockets.hpp"
#include "system/user_identity.hpp"
#include "system_test_util.hpp"

namespace skiff::skiffd {
namespace {

TEST(SkiffdForwardSockets, UnixListenerTakesTheMaskAndAcceptsAConnection) {
  skiffd_test::TempDir dir;
  const std::string path = dir.path() + "/s.sock";
  auto fd = listen_unix_socket(path, 0177, false, nullptr);
  ASSERT_TRUE(fd) << fd.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto c = connect_unix_socket(path);
  EXPECT_TRUE(c) << c.error().message;
}

TEST(SkiffdForwardSockets, AnExistingPathNeedsUnlinkFirst) {
  skiffd_test::TempDir dir;
  const std::string path = dir.path() + "/s.sock";
  skiffd_test::write_file(path, "x");
  auto fd = listen_unix_socket(path, 0177, false, nullptr);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().message, "unix_listener: cannot bind to path " + path + ": Address already in use");
  std::string warning;
  fd = listen_unix_socket(path, 0177, true, &warning);
  EXPECT_TRUE(fd) << fd.error().message;
  EXPECT_EQ(warning, "");
  const std::string long_path = dir.path() + "/" + std::string(120, 'a');
  fd = listen_unix_socket(long_path, 0177, false, nullptr);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().message, "unix_listener: path \"" + long_path + "\" too long for Unix domain socket");
}

TEST(SkiffdForwardSockets, ConnectFailureInSshdWords) {
  skiffd_test::TempDir dir;
  const std::string path = dir.path() + "/none.sock";
  auto c = connect_unix_socket(path);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "connect to " + path + " port -2 failed: No such file or directory");
}

TEST(SkiffdForwardSockets, TcpListenerAndTheLowPortRule) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto fd = listen_tcp_socket(reinterpret_cast<const sockaddr*>(&a), sizeof a, ::getuid());
  ASSERT_TRUE(fd) << fd.error().message;
  if (::geteuid() != 0) GTEST_SKIP() << "the low-port rule is skiffd's only when it runs as root";
  if (std::string start = skiffd_test::read_text("/proc/sys/net/ipv4/ip_unprivileged_port_start");
      std::atoi(start.c_str()) <= 1) {
    GTEST_SKIP() << "every port is unprivileged on this system";
  }
  a.sin_port = htons(1);  // tcpmux: nothing listens there on a test machine
  auto low = listen_tcp_socket(reinterpret_cast<const sockaddr*>(&a), sizeof a, 65534);
  ASSERT_FALSE(low);
  EXPECT_EQ(low.error().message, "bind: Permission denied");
}

TEST(SkiffdForwardSockets, UnixSocketMadeAsTheUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to take another identity";
  skiffd_test::TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  UserAccount nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  nobody.groups = {65534};
  const std::string path = dir.path() + "/u.sock";
  {
    UserFileIdentity as_user(nobody);
    ASSERT_TRUE(as_user.ok());
    auto fd = listen_unix_socket(path, 0177, false, nullptr);
    ASSERT_TRUE(fd) << fd.error().message;
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  // A socket only root may write: refused to the user.
  const std::string root_path = dir.path() + "/root.sock";
  auto root_fd = listen_unix_socket(root_path, 0177, false, nullptr);
  ASSERT_TRUE(root_fd);
  UserFileIdentity as_user(nobody);
  auto c = connect_unix_socket(root_path);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "connect to " + root_path + " port -2 failed: Permission denied");
}

}  // namespace
}  // namespace skiff::skiffd
