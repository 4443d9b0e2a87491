// The SOCKS 4/4A/5 server parser of -D and remote dynamic forwarding: requests whole
// and byte by byte, the replies, and the refusals (versions, methods, commands,
// address types, over-long input).
#include "skiff/socks.hpp"

#include <gtest/gtest.h>

namespace skiff::cli::socks {
namespace {

using Bytes = std::vector<std::uint8_t>;
using State = ServerParser::State;

// Feeds all at once, or one byte at a time; the state at the end.
State feed(ServerParser& p, const Bytes& b, bool bytewise) {
  if (!bytewise) return p.feed(b);
  State s = State::need_more;
  for (auto c : b) {
    std::uint8_t one[1] = {c};
    s = p.feed(one);
    if (s != State::need_more) break;  // as the callers do: what follows is data
  }
  return s;
}

class SkiffSocks : public testing::TestWithParam<bool> {};

TEST_P(SkiffSocks, Socks5Domain) {
  ServerParser p;
  Bytes req = {5, 2, 2, 0};  // two methods, no-auth among them
  Bytes connect = {5, 1, 0, 3, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0x01, 0xbb, 'G', 'E'};
  req.insert(req.end(), connect.begin(), connect.end());
  ASSERT_EQ(feed(p, req, GetParam()), State::request);
  EXPECT_EQ(p.take_output(), (Bytes{5, 0}));
  EXPECT_EQ(p.request().version, 5);
  EXPECT_EQ(p.request().host, "example.org");
  EXPECT_EQ(p.request().port, 443);
  // Bytes after the request in the same piece are the client's first data.
  EXPECT_EQ(p.take_rest(), GetParam() ? Bytes{} : (Bytes{'G', 'E'}));
  EXPECT_EQ(p.reply(Reply::succeeded), (Bytes{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(p.reply(Reply::connection_refused)[1], 5);
}

TEST_P(SkiffSocks, Socks5Addresses) {
  ServerParser v4;
  ASSERT_EQ(feed(v4, {5, 1, 0, 5, 1, 0, 1, 192, 0, 2, 7, 0, 22}, GetParam()), State::request);
  EXPECT_EQ(v4.request().host, "192.0.2.7");
  EXPECT_EQ(v4.request().port, 22);
  ServerParser v6;
  Bytes r = {5, 1, 0, 5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8};
  r.resize(r.size() + 11, 0);
  r.push_back(1);
  r.push_back(0);
  r.push_back(80);
  ASSERT_EQ(feed(v6, r, GetParam()), State::request);
  EXPECT_EQ(v6.request().host, "2001:db8::1");
  EXPECT_EQ(v6.request().port, 80);
}

TEST_P(SkiffSocks, Socks4And4A) {
  ServerParser p4;
  ASSERT_EQ(feed(p4, {4, 1, 0, 80, 127, 0, 0, 1, 'u', 's', 'e', 'r', 0}, GetParam()), State::request);
  EXPECT_EQ(p4.request().version, 4);
  EXPECT_EQ(p4.request().host, "127.0.0.1");
  EXPECT_EQ(p4.request().port, 80);
  EXPECT_TRUE(p4.take_output().empty());
  EXPECT_EQ(p4.reply(Reply::succeeded), (Bytes{0, 90, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(p4.reply(Reply::host_unreachable), (Bytes{0, 91, 0, 0, 0, 0, 0, 0}));
  ServerParser p4a;
  ASSERT_EQ(feed(p4a, {4, 1, 0x1f, 0x90, 0, 0, 0, 9, 0, 'h', 'o', 's', 't', 0, 'x'}, GetParam()), State::request);
  EXPECT_EQ(p4a.request().host, "host");
  EXPECT_EQ(p4a.request().port, 8080);
  EXPECT_EQ(p4a.take_rest(), GetParam() ? Bytes{} : (Bytes{'x'}));
}

TEST_P(SkiffSocks, Refusals) {
  ServerParser version;
  EXPECT_EQ(feed(version, {7, 1, 0}, GetParam()), State::failed);
  EXPECT_EQ(version.error(), "unsupported SOCKS version 7");
  // Only username/password offered: "no acceptable methods".
  ServerParser method;
  EXPECT_EQ(feed(method, {5, 1, 2}, GetParam()), State::failed);
  EXPECT_EQ(method.take_output(), (Bytes{5, 0xff}));
  // BIND and UDP ASSOCIATE: "command not supported".
  ServerParser bind;
  EXPECT_EQ(feed(bind, {5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80}, GetParam()), State::failed);
  auto out = bind.take_output();
  ASSERT_EQ(out.size(), 12u);  // the method choice, then the refusal
  EXPECT_EQ(out[3], 7);
  ServerParser atyp;
  EXPECT_EQ(feed(atyp, {5, 1, 0, 5, 1, 0, 9}, GetParam()), State::failed);
  EXPECT_EQ(atyp.take_output().back(), 0);
  ServerParser bind4;
  EXPECT_EQ(feed(bind4, {4, 2, 0, 80, 127, 0, 0, 1, 0}, GetParam()), State::failed);
  EXPECT_EQ(bind4.take_output(), (Bytes{0, 91, 0, 0, 0, 0, 0, 0}));
  ServerParser nul;
  EXPECT_EQ(feed(nul, {5, 1, 0, 5, 1, 0, 3, 2, 'a', 0, 0, 80}, GetParam()), State::failed);
  // After a failure nothing more is read.
  std::uint8_t more[1] = {5};
  EXPECT_EQ(nul.feed(more), State::failed);
}

TEST_P(SkiffSocks, BoundedInput) {
  // A SOCKS4 user name that never ends: refused at the cap, not buffered.
  ServerParser p;
  Bytes start = {4, 1, 0, 80, 127, 0, 0, 1};
  ASSERT_EQ(p.feed(start), State::need_more);
  Bytes junk(kMaxRequest, 'a');
  EXPECT_EQ(feed(p, junk, GetParam()), State::failed);
  EXPECT_EQ(p.error(), "SOCKS request too long");
}

INSTANTIATE_TEST_SUITE_P(WholeAndBytewise, SkiffSocks, testing::Bool());

}  // namespace
}  // namespace skiff::cli::socks
