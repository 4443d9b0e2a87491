// skiffd's forwarding policy: sshd 9.2's decisions (serverloop.c, channels.c, session.c)
// for each sshd_config keyword and authorized_keys option, with sshd's log lines.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "skiffd/forwarding_policy.hpp"

namespace skiffd {
namespace {

skiff::config::ServerConfig config_of(const std::string& text) {
  auto none = [](std::string_view) -> skiff::Result<std::vector<skiff::config::IncludedFile>> {
    return std::vector<skiff::config::IncludedFile>{};
  };
  auto f = skiff::config::ServerConfigFile::parse("test_config", text, none);
  EXPECT_TRUE(f) << f.error().message;
  auto c = f->global();
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

ForwardingPolicy policy(const std::string& text, std::optional<skiff::keys::AuthorizedKeyOptions> key = std::nullopt) {
  return ForwardingPolicy(config_of(text), key, "192.0.2.7", 40022);
}

skiff::keys::AuthorizedKeyOptions key_with(std::vector<std::string> open, std::vector<std::string> listen) {
  skiff::keys::AuthorizedKeyOptions k;
  k.permitopen = std::move(open);
  k.permitlisten = std::move(listen);
  return k;
}

constexpr const char* kDeniedOpen =
    "Received request from 192.0.2.7 port 40022 to connect to host 127.0.0.1 port 9, but the request was denied.";

TEST(SkiffdForwardingPolicy, DefaultsAllowEverything) {
  auto p = policy("");
  EXPECT_TRUE(p.direct_tcpip("127.0.0.1", 9, "127.0.0.1", 40000).allowed);
  EXPECT_TRUE(p.direct_streamlocal("/run/x.sock", "", 0).allowed);
  EXPECT_TRUE(p.tcpip_forward("localhost", 8080, true).allowed);
  EXPECT_TRUE(p.tcpip_forward("", 0, true).allowed);
  EXPECT_TRUE(p.streamlocal_forward("/tmp/s").allowed);
  EXPECT_EQ(p.gateway_ports(), GatewayPorts::no);
  EXPECT_EQ(p.stream_local_bind_mask(), 0177u);
  EXPECT_FALSE(p.stream_local_bind_unlink());
}

TEST(SkiffdForwardingPolicy, PortZeroWithoutReplyAndBadPortsAreRefused) {
  auto p = policy("");
  auto d = p.tcpip_forward("localhost", 0, false);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.log_line, "");  // sshd only sends the client a debug message
  EXPECT_FALSE(p.tcpip_forward("localhost", 70000, true).allowed);
  d = p.direct_tcpip("h", 70000, "o", 1);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, 1u);
  EXPECT_EQ(d.log_line, "server_request_direct_tcpip: invalid target port");
  EXPECT_TRUE(d.log_error);
  EXPECT_FALSE(p.direct_tcpip("127.0.0.1", 9, "127.0.0.1", 1).log_error);
}

TEST(SkiffdForwardingPolicy, AllowTcpForwardingNo) {
  auto p = policy("AllowTcpForwarding no\n");
  auto d = p.direct_tcpip("127.0.0.1", 9, "127.0.0.1", 40000);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, 1u);
  EXPECT_EQ(d.log_line, "refused local port forward: originator 127.0.0.1 port 40000, target 127.0.0.1 port 9");
  d = p.tcpip_forward("localhost", 8080, true);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.log_line, "");
  // sshd matches Unix-socket opens against the TCP permissions, which are disabled.
  d = p.direct_streamlocal("/run/x.sock", "", 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, 2u);
  EXPECT_EQ(d.log_line, "Received request to connect to path /run/x.sock, but the request was denied.");
  d = p.streamlocal_forward("/tmp/s");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.log_line,
            "Received request from 192.0.2.7 port 40022 to remote forward to path \"/tmp/s\", but the request was denied.");
}

TEST(SkiffdForwardingPolicy, AllowTcpForwardingLocalOrRemote) {
  auto local = policy("AllowTcpForwarding local\n");
  EXPECT_TRUE(local.direct_tcpip("127.0.0.1", 9, "127.0.0.1", 1).allowed);
  EXPECT_FALSE(local.tcpip_forward("localhost", 8080, true).allowed);
  auto remote = policy("allowtcpforwarding REMOTE\n");
  EXPECT_FALSE(remote.direct_tcpip("127.0.0.1", 9, "127.0.0.1", 1).allowed);
  EXPECT_TRUE(remote.tcpip_forward("localhost", 8080, true).allowed);
  EXPECT_TRUE(policy("AllowTcpForwarding all\n").tcpip_forward("localhost", 8080, true).allowed);
}

TEST(SkiffdForwardingPolicy, DisableForwardingAndTheKeysNoPortForwarding) {
  skiff::keys::AuthorizedKeyOptions restricted;
  restricted.port_forwarding = false;
  for (const auto& p : {policy("DisableForwarding yes\n"), policy("", restricted)}) {
    EXPECT_EQ(p.direct_tcpip("h", 1, "o", 2).log_line, "refused local port forward: originator o port 2, target h port 1");
    EXPECT_FALSE(p.tcpip_forward("", 8080, true).allowed);
    auto d = p.direct_streamlocal("/s", "o", 2);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.log_line, "refused streamlocal port forward: originator o port 2, target /s");
    EXPECT_FALSE(p.streamlocal_forward("/s").allowed);
    EXPECT_EQ(p.streamlocal_forward("/s").log_line, "");
  }
}

TEST(SkiffdForwardingPolicy, AllowStreamLocalForwarding) {
  auto p = policy("AllowStreamLocalForwarding no\n");
  EXPECT_EQ(p.direct_streamlocal("/s", "o", 2).log_line,
            "refused streamlocal port forward: originator o port 2, target /s");
  EXPECT_FALSE(p.streamlocal_forward("/s").allowed);
  EXPECT_TRUE(p.direct_tcpip("h", 1, "o", 2).allowed);
  auto local = policy("AllowStreamLocalForwarding local\n");
  EXPECT_TRUE(local.direct_streamlocal("/s", "", 0).allowed);
  EXPECT_FALSE(local.streamlocal_forward("/s").allowed);
}

TEST(SkiffdForwardingPolicy, PermitOpen) {
  auto p = policy("PermitOpen 127.0.0.1:22 *:8080 db:*\n");
  EXPECT_TRUE(p.direct_tcpip("127.0.0.1", 22, "o", 1).allowed);
  EXPECT_TRUE(p.direct_tcpip("anything", 8080, "o", 1).allowed);
  EXPECT_TRUE(p.direct_tcpip("db", 5432, "o", 1).allowed);
  auto d = p.direct_tcpip("127.0.0.1", 9, "127.0.0.1", 1);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.log_line, kDeniedOpen);
  EXPECT_FALSE(p.direct_tcpip("DB", 5432, "o", 1).allowed);  // compared exactly, as sshd
  EXPECT_FALSE(policy("PermitOpen none\n").direct_tcpip("127.0.0.1", 22, "o", 1).allowed);
  EXPECT_TRUE(policy("PermitOpen any\n").direct_tcpip("127.0.0.1", 22, "o", 1).allowed);
  EXPECT_TRUE(policy("PermitOpen [::1]:22\n").direct_tcpip("::1", 22, "o", 1).allowed);
  // A path only matches a host '*' with port '*'.
  EXPECT_FALSE(p.direct_streamlocal("/s", "", 0).allowed);
  EXPECT_TRUE(policy("PermitOpen *:*\n").direct_streamlocal("/s", "", 0).allowed);
}

TEST(SkiffdForwardingPolicy, PermitopenOnTheKeyAndPermitOpenBothApply) {
  auto p = policy("", key_with({"127.0.0.1:22", "web:*"}, {}));
  EXPECT_FALSE(p.local().all_permitted);
  EXPECT_TRUE(p.direct_tcpip("127.0.0.1", 22, "o", 1).allowed);
  EXPECT_TRUE(p.direct_tcpip("web", 443, "o", 1).allowed);
  EXPECT_EQ(p.direct_tcpip("127.0.0.1", 9, "o", 1).log_line, kDeniedOpen);
  auto both = policy("PermitOpen web:443\n", key_with({"127.0.0.1:22", "web:*"}, {}));
  EXPECT_TRUE(both.direct_tcpip("web", 443, "o", 1).allowed);
  EXPECT_FALSE(both.direct_tcpip("web", 80, "o", 1).allowed);
  EXPECT_FALSE(both.direct_tcpip("127.0.0.1", 22, "o", 1).allowed);
  // Without local forwarding the key's list is not even loaded.
  EXPECT_TRUE(policy("AllowTcpForwarding remote\n", key_with({"h:1"}, {})).local().user.empty());
}

TEST(SkiffdForwardingPolicy, PermitListenAndPermitlisten) {
  auto p = policy("PermitListen 8080 localhost:9000 127.0.0.*:*\n");
  EXPECT_TRUE(p.tcpip_forward("anything", 8080, true).allowed);  // a bare port is any host
  EXPECT_TRUE(p.tcpip_forward("LOCALHOST", 9000, true).allowed);  // lowered, then matched
  EXPECT_TRUE(p.tcpip_forward("127.0.0.5", 1234, true).allowed);  // a pattern
  auto d = p.tcpip_forward("localhost", 9001, true);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.log_line,
            "Received request from 192.0.2.7 port 40022 to remote forward to host localhost port 9001, but the request "
            "was denied.");
  // PermitListen does not restrict Unix-socket listens (sshd has no list for them).
  EXPECT_TRUE(policy("PermitListen none\n").streamlocal_forward("/s").allowed);
  EXPECT_FALSE(policy("PermitListen none\n").tcpip_forward("localhost", 8080, true).allowed);
  auto k = policy("", key_with({}, {"8080", "localhost:9000"}));
  EXPECT_TRUE(k.tcpip_forward("", 8080, true).allowed);
  EXPECT_TRUE(k.tcpip_forward("localhost", 9000, true).allowed);
  EXPECT_FALSE(k.tcpip_forward("localhost", 0, true).allowed);
  EXPECT_TRUE(k.streamlocal_forward("/s").allowed);
}

TEST(SkiffdForwardingPolicy, BindAddressFollowsGatewayPorts) {
  struct Case {
    const char* gateway;
    const char* requested;
    std::optional<std::string> address;
    bool wildcard;
  };
  const Case cases[] = {
      {"no", "", std::nullopt, false},          {"no", "localhost", std::nullopt, false},
      {"no", "0.0.0.0", std::nullopt, false},   {"no", "*", std::nullopt, false},
      {"no", "127.0.0.1", "127.0.0.1", false},  {"no", "::1", "::1", false},
      {"no", "192.0.2.1", std::nullopt, false}, {"yes", "", std::nullopt, true},
      {"yes", "localhost", std::nullopt, true}, {"yes", "192.0.2.1", std::nullopt, true},
      {"clientspecified", "", std::nullopt, true},
      {"clientspecified", "*", std::nullopt, true},
      {"clientspecified", "localhost", std::nullopt, false},
      {"clientspecified", "127.0.0.1", "127.0.0.1", false},
      {"clientspecified", "192.0.2.1", "192.0.2.1", false},
      {"clientspecified", "0.0.0.0", "0.0.0.0", false},
  };
  for (const auto& c : cases) {
    auto b = policy(std::string("GatewayPorts ") + c.gateway + "\n").bind_plan(c.requested);
    EXPECT_EQ(b.address, c.address) << c.gateway << " " << c.requested;
    EXPECT_EQ(b.wildcard, c.wildcard) << c.gateway << " " << c.requested;
  }
  EXPECT_TRUE(policy("GatewayPorts yes\n").bind_plan("192.0.2.1").overridden);
  EXPECT_FALSE(policy("GatewayPorts yes\n").bind_plan("0.0.0.0").overridden);
}

TEST(SkiffdForwardingPolicy, StreamLocalBindSettings) {
  auto p = policy("StreamLocalBindMask 0077\nStreamLocalBindUnlink yes\n");
  EXPECT_EQ(p.stream_local_bind_mask(), 077u);
  EXPECT_TRUE(p.stream_local_bind_unlink());
}

TEST(SkiffdForwardingPolicy, PermissionStrings) {
  EXPECT_EQ(parse_forward_permission("host:80", false), (ForwardPermission{"host", 80}));
  EXPECT_EQ(parse_forward_permission("[::1]:22", false), (ForwardPermission{"::1", 22}));
  EXPECT_EQ(parse_forward_permission("h:*", false), (ForwardPermission{"h", ForwardingPolicy::kAnyPort}));
  EXPECT_EQ(parse_forward_permission("8080", true), (ForwardPermission{"*", 8080}));
  EXPECT_FALSE(parse_forward_permission("8080", false));
  EXPECT_FALSE(parse_forward_permission("h:0", false));
  EXPECT_FALSE(parse_forward_permission("h:65536", false));
  EXPECT_FALSE(parse_forward_permission("h/80", false));
  EXPECT_FALSE(parse_forward_permission("[::1]", false));
  EXPECT_FALSE(parse_forward_permission("h:", false));
  EXPECT_EQ(parse_forward_directions("no"), 0u);
  EXPECT_EQ(parse_forward_directions("Local"), 1u);
  EXPECT_EQ(parse_forward_directions("remote"), 2u);
  EXPECT_EQ(parse_forward_directions("all"), 3u);
  EXPECT_EQ(parse_forward_directions("yes"), 3u);
}

}  // namespace
}  // namespace skiffd
