// ssh's forwarding decisions: parse_forward's forms, the bind address of a local listener,
// the address of a remote forward request, PermitRemoteOpen, ProxyJump into ProxyCommand.
#include "skiff/forward_spec.hpp"

#include <gtest/gtest.h>

namespace skiff::cli {
namespace {

ForwardSpec tcp(std::optional<std::string> lhost, int lport, std::string chost, int cport) {
  ForwardSpec f;
  f.listen_host = std::move(lhost);
  f.listen_port = lport;
  f.connect_host = std::move(chost);
  f.connect_port = cport;
  return f;
}

TEST(SkiffForwardSpec, LocalTcpForms) {
  EXPECT_EQ(parse_forward("8080:example.org:80", false, false), tcp(std::nullopt, 8080, "example.org", 80));
  EXPECT_EQ(parse_forward("127.0.0.1:8080:example.org:80", false, false), tcp("127.0.0.1", 8080, "example.org", 80));
  EXPECT_EQ(parse_forward("[::1]:8080:[2001:db8::1]:80", false, false), tcp("::1", 8080, "2001:db8::1", 80));
  EXPECT_EQ(parse_forward("*:8080:h:80", false, false), tcp("*", 8080, "h", 80));
  EXPECT_EQ(parse_forward(":8080:h:80", false, false), tcp("", 8080, "h", 80));
  // Listening on port 0 is only for remote forwards; bad ports and field counts fail.
  EXPECT_FALSE(parse_forward("0:h:80", false, false));
  EXPECT_EQ(parse_forward("0:h:80", false, true), tcp(std::nullopt, 0, "h", 80));
  EXPECT_FALSE(parse_forward("8080:h:0", false, false));
  EXPECT_FALSE(parse_forward("70000:h:80", false, false));
  EXPECT_FALSE(parse_forward("8080:h", false, false));
  EXPECT_FALSE(parse_forward("a:b:c:d:e", false, false));
  EXPECT_FALSE(parse_forward("8080:h:http", false, false));
  EXPECT_FALSE(parse_forward("[::1:8080:h:80", false, false));
}

TEST(SkiffForwardSpec, UnixSocketForms) {
  auto a = parse_forward("/tmp/l.sock:h:80", false, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->listen_path, "/tmp/l.sock");
  EXPECT_EQ(a->connect_host, "h");
  EXPECT_EQ(a->connect_port, 80);
  auto b = parse_forward("8080:/run/r.sock", false, false);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->listen_port, 8080);
  EXPECT_EQ(b->connect_path, "/run/r.sock");
  EXPECT_FALSE(b->dynamic());
  auto c = parse_forward("/tmp/l.sock:/run/r.sock", false, false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen_path, "/tmp/l.sock");
  EXPECT_EQ(c->connect_path, "/run/r.sock");
  auto d = parse_forward("localhost:8080:/run/r.sock", false, false);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->listen_host, "localhost");
  EXPECT_EQ(d->connect_path, "/run/r.sock");
  // A backslash escapes a colon inside a path.
  auto e = parse_forward("/tmp/a\\:b:h:1", false, false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->listen_path, "/tmp/a:b");
  EXPECT_FALSE(parse_forward("/" + std::string(200, 'x') + ":h:1", false, false));  // longer than sun_path
}

TEST(SkiffForwardSpec, Dynamic) {
  auto a = parse_forward("1080", true, false);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->dynamic());
  EXPECT_EQ(a->listen_port, 1080);
  EXPECT_FALSE(a->listen_host);
  auto b = parse_forward("[::1]:1080", true, false);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->listen_host, "::1");
  EXPECT_FALSE(parse_forward("1080:h:80", true, false));
  EXPECT_FALSE(parse_forward("0", true, false));
  EXPECT_TRUE(parse_forward("0", true, true));  // -R 0: a remote dynamic forward on any port
}

TEST(SkiffForwardSpec, FromConfiguration) {
  EXPECT_EQ(forward_from_config("8080 h:80"), "8080:h:80");
  EXPECT_EQ(forward_from_config("[::1]:8080 [::2]:80"), "[::1]:8080:[::2]:80");
  config::ClientConfig cfg;
  cfg.other["localforward"] = {"8080 h:80", "/tmp/x.sock /run/y.sock"};
  cfg.other["remoteforward"] = {"9090", "9091 /run/z.sock", "0 h:22"};
  cfg.other["dynamicforward"] = {"1080"};
  cfg.other["gatewayports"] = {"yes"};
  cfg.other["exitonforwardfailure"] = {"yes"};
  auto f = forwarding_from_config(cfg);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->local.size(), 2u);
  ASSERT_EQ(f->remote.size(), 3u);
  EXPECT_TRUE(f->remote[0].dynamic());
  EXPECT_EQ(f->remote[1].connect_path, "/run/z.sock");
  EXPECT_EQ(f->remote[2].listen_port, 0);
  EXPECT_TRUE(f->gateway_ports);
  EXPECT_TRUE(f->exit_on_failure);
  EXPECT_EQ(f->bind_mask, 0177u);
  EXPECT_FALSE(f->bind_unlink);
  cfg.other["streamlocalbindmask"] = {"0077"};
  cfg.other["streamlocalbindunlink"] = {"yes"};
  auto masked = forwarding_from_config(cfg);
  ASSERT_TRUE(masked);
  EXPECT_EQ(masked->bind_mask, 077u);
  EXPECT_TRUE(masked->bind_unlink);
  cfg.other["streamlocalbindmask"] = {"0999"};
  EXPECT_FALSE(forwarding_from_config(cfg));
  cfg.other.erase("streamlocalbindmask");
  // Paths go through the expander (ssh's percent expansion).
  const PathExpander upper = [](std::string_view p) -> Result<std::string> {
    if (p.find('%') != std::string_view::npos) return fail(Errc::bad_format, "percent_expand: unknown key %x");
    return std::string(p) + ".expanded";
  };
  auto expanded = forwarding_from_config(cfg, upper);
  ASSERT_TRUE(expanded);
  EXPECT_EQ(expanded->local[1].listen_path, "/tmp/x.sock.expanded");
  EXPECT_EQ(expanded->remote[1].connect_path, "/run/z.sock.expanded");
  EXPECT_EQ(expanded->local[0].connect_host, "h");
  cfg.other["localforward"] = {"/tmp/%x h:2"};
  EXPECT_FALSE(forwarding_from_config(cfg, upper));
  cfg.other["localforward"] = {"8080 h:0"};
  auto bad = forwarding_from_config(cfg);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Bad local forwarding specification '8080 h:0'");
}

TEST(SkiffForwardSpec, LocalBindAddress) {
  // Nothing given: loopback, or everything with GatewayPorts.
  EXPECT_EQ(local_bind_address(std::nullopt, false), (BindChoice{std::nullopt, false}));
  EXPECT_EQ(local_bind_address(std::nullopt, true), (BindChoice{std::nullopt, true}));
  // "*" and "" open to all whatever GatewayPorts says; "localhost" is both loopbacks.
  EXPECT_EQ(local_bind_address("*", false), (BindChoice{std::nullopt, true}));
  EXPECT_EQ(local_bind_address("", false), (BindChoice{std::nullopt, true}));
  EXPECT_EQ(local_bind_address("localhost", true), (BindChoice{std::nullopt, false}));
  EXPECT_EQ(local_bind_address("192.0.2.7", false), (BindChoice{"192.0.2.7", false}));
  EXPECT_EQ(local_bind_address("::1", false), (BindChoice{"::1", false}));
}

TEST(SkiffForwardSpec, RemoteBindHost) {
  EXPECT_EQ(remote_bind_host(std::nullopt), "localhost");
  EXPECT_EQ(remote_bind_host("*"), "");
  EXPECT_EQ(remote_bind_host(""), "");
  EXPECT_EQ(remote_bind_host("0.0.0.0"), "0.0.0.0");
}

TEST(SkiffForwardSpec, PermitRemoteOpen) {
  auto any = PermitRemoteOpen::parse({});
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->allows("anything", 1));
  auto none = PermitRemoteOpen::parse({"none"});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->allows("localhost", 80));
  auto list = PermitRemoteOpen::parse({"localhost:80", "[::1]:*", "*:443"});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->allows("localhost", 80));
  EXPECT_FALSE(list->allows("localhost", 81));
  EXPECT_FALSE(list->allows("LOCALHOST", 80));  // exact, as ssh compares
  EXPECT_TRUE(list->allows("::1", 22));
  EXPECT_TRUE(list->allows("example.org", 443));
  EXPECT_FALSE(list->allows("example.org", 80));
  EXPECT_FALSE(PermitRemoteOpen::parse({"localhost"}));
  EXPECT_FALSE(PermitRemoteOpen::parse({"localhost:x"}));
  EXPECT_FALSE(PermitRemoteOpen::parse({":80"}));
}

TEST(SkiffForwardSpec, JumpProxyCommand) {
  JumpInput in{"jump.example", "/usr/bin/skiff", std::nullopt, 0, "target", 22, "me"};
  auto one = jump_proxy_command(in);
  ASSERT_TRUE(one);
  EXPECT_EQ(**one, "/usr/bin/skiff -W '[%h]:%p' jump.example");
  in.proxy_jump = "a@first:2201,ssh://b@second:2202,c@last:2203";
  in.config_file = "/etc/skiff.conf";
  in.debug_level = 2;
  auto many = jump_proxy_command(in);
  ASSERT_TRUE(many);
  EXPECT_EQ(**many,
            "/usr/bin/skiff -l c -p 2203 -J a@first:2201,ssh://b@second:2202 -F /etc/skiff.conf -vv -W '[%h]:%p' last");
  in = {"[::1]:2222", "skiff", std::nullopt, 5, "target", 22, "me"};
  EXPECT_EQ(**jump_proxy_command(in), "skiff -p 2222 -vvv -W '[%h]:%p' ::1");
  in.proxy_jump = "none";
  EXPECT_FALSE(*jump_proxy_command(in));
  // The last hop is the destination itself.
  in = {"me@target", "skiff", std::nullopt, 0, "target", 22, "me"};
  auto loop = jump_proxy_command(in);
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().message, "jumphost loop via target");
  // Nothing a shell would act on reaches the command.
  in.proxy_jump = "host;rm -rf x";
  EXPECT_FALSE(jump_proxy_command(in));
  in.proxy_jump = "ok,`bad`";
  EXPECT_FALSE(jump_proxy_command(in));
  in.proxy_jump = "host:0";
  EXPECT_FALSE(jump_proxy_command(in));
}

}  // namespace
}  // namespace skiff::cli
