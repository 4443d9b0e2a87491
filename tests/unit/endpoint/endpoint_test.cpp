// ClientConnection / ServerConnection on their own (no peer): the safe defaults before
// any exchange. The joined behaviour is in tests/pair/endpoint_pair_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "endpoint/endpoint.hpp"

using namespace skiff;
using namespace skiff::endpoint;

namespace {

TEST(Endpoint, ClientStartsWithItsVersionLineAndNothingElseHappens) {
  ClientConfig cc;
  cc.transport.role = Role::server;  // forced back to client
  cc.auth.user = "erin";
  ClientConnection c(std::move(cc));
  c.start(TimePoint{});
  std::string out(c.pending_output().begin(), c.pending_output().end());
  EXPECT_EQ(out.rfind("SSH-2.0-skiff_", 0), 0u);
  EXPECT_FALSE(c.poll_event());
  EXPECT_FALSE(c.authenticated());
  EXPECT_TRUE(c.wants_input());
}

TEST(Endpoint, AnswersBeforeAuthenticationStartedAreRefused) {
  ClientConfig cc;
  cc.auth.user = "erin";
  ClientConnection c(std::move(cc));
  c.start(TimePoint{});
  EXPECT_EQ(c.provide_password("x").error().code, Errc::invalid_argument);
  EXPECT_EQ(c.skip_auth_method().error().code, Errc::invalid_argument);
  EXPECT_EQ(c.provide_signature({}).error().code, Errc::invalid_argument);

  ServerConfig sc;
  sc.transport.host_keys = {PrivateKey::generate(KeyType::ed25519).value()};
  ServerConnection s(std::move(sc));
  s.start(TimePoint{});
  EXPECT_EQ(s.accept_auth(TimePoint{}).error().code, Errc::invalid_argument);
  EXPECT_EQ(s.reject_auth(TimePoint{}).error().code, Errc::invalid_argument);
  EXPECT_FALSE(s.authenticated());
}

TEST(Endpoint, ChannelOutputWaitsForAuthentication) {
  ClientConfig cc;
  cc.auth.user = "erin";
  ClientConnection c(std::move(cc));
  c.start(TimePoint{});
  auto before = c.pending_output().size();
  auto ch = c.open(connection::SessionOpen{});
  ASSERT_TRUE(ch);
  EXPECT_EQ(c.pending_output().size(), before);  // nothing of the open left
}

TEST(Endpoint, ClosedAfterDisconnectWithOneEvent) {
  ClientConfig cc;
  cc.auth.user = "erin";
  ClientConnection c(std::move(cc));
  c.start(TimePoint{});
  c.disconnect(11, "bye");
  EXPECT_TRUE(c.closed());
  auto ev = c.poll_event();
  ASSERT_TRUE(ev);
  auto* d = std::get_if<skiff::event::Disconnected>(&*ev);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->reason, 11u);
  EXPECT_FALSE(c.poll_event());
}

}  // namespace
