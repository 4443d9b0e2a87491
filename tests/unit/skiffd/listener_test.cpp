// The "addr:port" forms the configuration gives the listener.
#include <gtest/gtest.h>

#include "skiffd/listener.hpp"

namespace skiffd {
namespace {

TEST(SkiffdListener, SplitsConfiguredAddresses) {
  std::string host, port;
  ASSERT_TRUE(split_listen_address("0.0.0.0:22", host, port));
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, "22");
  ASSERT_TRUE(split_listen_address("[::]:2222", host, port));
  EXPECT_EQ(host, "::");
  EXPECT_EQ(port, "2222");
  ASSERT_TRUE(split_listen_address("[fe80::1%eth0]:22", host, port));
  EXPECT_EQ(host, "fe80::1%eth0");
  ASSERT_TRUE(split_listen_address("host.example:2200", host, port));
  EXPECT_EQ(host, "host.example");
  EXPECT_FALSE(split_listen_address("[::1]", host, port));
  EXPECT_FALSE(split_listen_address("nohostport", host, port));
}

TEST(SkiffdListener, NonSocketDescriptorHasSshdsUnknownAddress) {
  std::string address;
  int port = 0;
  socket_address(-1, true, address, port);
  EXPECT_EQ(address, "UNKNOWN");
  EXPECT_EQ(port, 65535);
}

}  // namespace
}  // namespace skiffd
