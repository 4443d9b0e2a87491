// ssh_config: the effective configuration compared with the real `ssh -G` of OpenSSH
// 9.2p1 (Debian 9.2p1-2+deb12u*), run as root (home /root) on host "vm" with
// `ssh -G -F <file> <host>` in a temporary directory; its output was filtered to the
// keywords skiff prints (algorithm lists only where the file sets them, since skiff's
// defaults differ) and embedded below as it came out. Error texts likewise.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/ssh_config.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using namespace skiff::config;

namespace {

// Generated from the real OpenSSH 9.2 (Debian) ssh -G in /tmp/config-a; see ssh_config_test.cpp.
const char* const kEmptyG = R"cfg(host Some.Host
user root
hostname some.host
port 22
addressfamily any
batchmode no
compression no
controlmaster false
forwardx11 no
hashknownhosts no
identitiesonly no
kbdinteractiveauthentication yes
passwordauthentication yes
pubkeyauthentication true
requesttty auto
stricthostkeychecking ask
tcpkeepalive yes
visualhostkey no
connectionattempts 1
numberofpasswordprompts 3
serveralivecountmax 3
serveraliveinterval 0
loglevel INFO
identityfile ~/.ssh/id_rsa
identityfile ~/.ssh/id_ecdsa
identityfile ~/.ssh/id_ecdsa_sk
identityfile ~/.ssh/id_ed25519
identityfile ~/.ssh/id_ed25519_sk
identityfile ~/.ssh/id_xmss
identityfile ~/.ssh/id_dsa
globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2
userknownhostsfile /root/.ssh/known_hosts /root/.ssh/known_hosts2
forwardagent no
connecttimeout none
controlpersist no
escapechar ~
rekeylimit 0 0
)cfg";
const char* const kC1Text = R"cfg(# test
Host web
  HostName web.example.com
  Port 2222
  User alice
  IdentityFile ~/.ssh/id_web_%h_%r
Host *
  User bob
  IdentityFile ~/.ssh/id_all
  ServerAliveInterval 30
  StrictHostKeyChecking accept-new
  SendEnv LANG LC_*
  SetEnv FOO=bar
)cfg";
const char* const kC1G = R"cfg(host web
user alice
hostname web.example.com
port 2222
addressfamily any
batchmode no
compression no
controlmaster false
forwardx11 no
hashknownhosts no
identitiesonly no
kbdinteractiveauthentication yes
passwordauthentication yes
pubkeyauthentication true
requesttty auto
stricthostkeychecking accept-new
tcpkeepalive yes
visualhostkey no
connectionattempts 1
numberofpasswordprompts 3
serveralivecountmax 3
serveraliveinterval 30
loglevel INFO
identityfile ~/.ssh/id_web_%h_%r
identityfile ~/.ssh/id_all
globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2
userknownhostsfile /root/.ssh/known_hosts /root/.ssh/known_hosts2
sendenv LANG
sendenv LC_*
setenv FOO=bar
forwardagent no
connecttimeout none
controlpersist no
escapechar ~
rekeylimit 0 0
)cfg";
const char* const kC2Text = R"cfg(Host *.example.com !bad.example.com
  Port 2022
  User = deploy
  "IdentityFile" "~/.ssh/id key"
Host bad.example.com
  User nobody
Match originalhost web* user deploy
  Compression yes
  ServerAliveCountMax 5
Match host *.example.com exec "true %h"
  BatchMode yes
Match !localuser root
  Port 1
Host *
  ConnectTimeout 1m
  EscapeChar ^A
  RekeyLimit 1G 1h
  UserKnownHostsFile ~/kh /etc/kh
  LogLevel debug2
  RequestTTY force
  StrictHostKeyChecking off
  ControlMaster auto
  ControlPath ~/.ssh/cm-%C
  ProxyJump jump@bastion:2222
  LocalForward 8080 localhost:80
  LocalForward 8081 localhost:81
  ForwardAgent yes
  SendEnv LANG
  SendEnv LC_ALL TERM
  SetEnv A=1 B=2
  SetEnv C=3
  Ciphers aes128-ctr,aes256-gcm@openssh.com
  MACs hmac-sha2-256
  KexAlgorithms curve25519-sha256
  HostKeyAlgorithms ssh-ed25519
  PubkeyAcceptedAlgorithms rsa-sha2-512,ssh-ed25519
  AddressFamily inet
  BindAddress 127.0.0.1
  PreferredAuthentications publickey,password
  NumberOfPasswordPrompts 1
  ConnectionAttempts 2
  HashKnownHosts yes
  VisualHostKey yes
  IdentitiesOnly yes
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  TCPKeepAlive no
)cfg";
const char* const kC2G = R"cfg(host www.example.com
user deploy
hostname www.example.com
port 2022
addressfamily inet
batchmode yes
compression no
controlmaster auto
forwardx11 no
hashknownhosts yes
identitiesonly yes
kbdinteractiveauthentication no
passwordauthentication no
pubkeyauthentication true
requesttty force
stricthostkeychecking false
tcpkeepalive no
visualhostkey yes
connectionattempts 2
numberofpasswordprompts 1
serveralivecountmax 3
serveraliveinterval 300
bindaddress 127.0.0.1
ciphers aes128-ctr,aes256-gcm@openssh.com
controlpath /root/.ssh/cm-812f18ac4ae70676283a08bb5c7c97b6efd15390
hostkeyalgorithms ssh-ed25519
kexalgorithms curve25519-sha256
loglevel DEBUG2
macs hmac-sha2-256
preferredauthentications publickey,password
pubkeyacceptedalgorithms rsa-sha2-512,ssh-ed25519
localforward 8080 [localhost]:80
localforward 8081 [localhost]:81
identityfile ~/.ssh/id key
globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2
userknownhostsfile /root/kh /etc/kh
sendenv LANG
sendenv LC_ALL
sendenv TERM
setenv A=1
setenv B=2
forwardagent yes
connecttimeout 60
controlpersist no
escapechar \^A
rekeylimit 1073741824 3600
proxyjump jump@bastion:2222
)cfg";
const char* const kC3Text = R"cfg(ProxyCommand ssh -W %h:%p  gw
RemoteForward 9000 127.0.0.1:9
DynamicForward 1080
LocalForward 127.0.0.1:5000 [::1]:22
ControlPersist 10m
EscapeChar none
ForwardX11 yes
User u
)cfg";
const char* const kC3G = R"cfg(host h
user u
hostname h
port 22
addressfamily any
batchmode no
compression no
controlmaster false
forwardx11 yes
hashknownhosts no
identitiesonly no
kbdinteractiveauthentication yes
passwordauthentication yes
pubkeyauthentication true
requesttty auto
stricthostkeychecking ask
tcpkeepalive yes
visualhostkey no
connectionattempts 1
numberofpasswordprompts 3
serveralivecountmax 3
serveraliveinterval 0
loglevel INFO
dynamicforward 1080
localforward [127.0.0.1]:5000 [::1]:22
remoteforward 9000 [127.0.0.1]:9
identityfile ~/.ssh/id_rsa
identityfile ~/.ssh/id_ecdsa
identityfile ~/.ssh/id_ecdsa_sk
identityfile ~/.ssh/id_ed25519
identityfile ~/.ssh/id_ed25519_sk
identityfile ~/.ssh/id_xmss
identityfile ~/.ssh/id_dsa
globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2
userknownhostsfile /root/.ssh/known_hosts /root/.ssh/known_hosts2
forwardagent no
connecttimeout none
controlpersist 600
escapechar none
rekeylimit 0 0
proxycommand ssh -W %h:%p  gw
)cfg";


ClientContext root_ctx(std::string host) {
  ClientContext c;
  c.host = std::move(host);
  c.local_user = "root";
  c.home = "/root";
  c.local_host = "vm";
  c.local_short = "vm";
  return c;
}

// The lines of dump whose keyword occurs in expected, so that keywords skiff does not
// print are left out of the comparison but order and values are compared exactly.
std::string common_lines(const std::string& dump, const std::string& expected) {
  std::vector<std::string> keys;
  for (std::size_t p = 0; p < expected.size();) {
    auto nl = expected.find('\n', p);
    keys.push_back(expected.substr(p, expected.find(' ', p) - p));
    p = nl + 1;
  }
  std::string out;
  for (std::size_t p = 0; p < dump.size();) {
    auto nl = dump.find('\n', p);
    std::string line = dump.substr(p, nl - p);
    if (std::find(keys.begin(), keys.end(), line.substr(0, line.find(' '))) != keys.end()) out += line + "\n";
    p = nl + 1;
  }
  return out;
}

struct Run {
  Result<ClientConfig> cfg;
  std::vector<std::string> execs;
};

Run run(const char* text, const std::string& host, bool exec_ok = true, IncludeResolver inc = nullptr) {
  Run r;
  ClientConfigBuilder b(root_ctx(host), std::move(inc), [&](std::string_view cmd) {
    r.execs.emplace_back(cmd);
    return exec_ok;
  });
  auto rd = b.read_file("cfg", text, true);
  if (!rd) {
    r.cfg = std::unexpected(rd.error());
    return r;
  }
  r.cfg = b.finish();
  return r;
}

}  // namespace

TEST(SshConfig, EmptyFileGivesSshDefaults) {
  auto r = run("", "Some.Host");
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(common_lines(dump_client_config(*r.cfg), kEmptyG), kEmptyG);
  EXPECT_EQ(r.cfg->hostname, "some.host");
  EXPECT_EQ(r.cfg->strict_host_key_checking, StrictHostKeyChecking::ask);
}

TEST(SshConfig, HostBlocksFirstValueWinsCumulativeIdentityFiles) {
  auto r = run(kC1Text, "web");
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(common_lines(dump_client_config(*r.cfg), kC1G), kC1G);
  EXPECT_EQ(r.cfg->identity_files, (std::vector<std::string>{"~/.ssh/id_web_%h_%r", "~/.ssh/id_all"}));
  EXPECT_EQ(r.cfg->strict_host_key_checking, StrictHostKeyChecking::accept_new);
  EXPECT_EQ(r.cfg->server_alive_interval, 30);
  auto id = expand_tokens(r.cfg->identity_files[0], *r.cfg, root_ctx("web"));
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "~/.ssh/id_web_web.example.com_alice");
}

TEST(SshConfig, MatchNegationExecAlgorithmsAndKeptKeywords) {
  auto r = run(kC2Text, "www.example.com");
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(common_lines(dump_client_config(*r.cfg), kC2G), kC2G);
  EXPECT_EQ(r.execs, std::vector<std::string>{"true www.example.com"});
  EXPECT_EQ(r.cfg->escape_char, 1);
  EXPECT_EQ(r.cfg->rekey_limit.bytes, 1073741824u);
  EXPECT_EQ(r.cfg->rekey_limit.seconds, 3600u);
  EXPECT_EQ(r.cfg->request_tty, RequestTty::force);
  EXPECT_EQ(r.cfg->address_family, AddressFamily::inet);
  EXPECT_EQ(r.cfg->get("proxyjump"), "jump@bastion:2222");
  // Match exec failing: no BatchMode, so no Debian ServerAliveInterval either.
  auto n = run(kC2Text, "www.example.com", false);
  ASSERT_TRUE(n.cfg);
  EXPECT_FALSE(n.cfg->batch_mode);
  EXPECT_EQ(n.cfg->server_alive_interval, 0);
  // ssh -G -F c2 bad.example.com: user nobody, port 22, batchmode yes.
  auto bad = run(kC2Text, "bad.example.com");
  ASSERT_TRUE(bad.cfg);
  EXPECT_EQ(bad.cfg->user, "nobody");
  EXPECT_EQ(bad.cfg->port, 22);
  EXPECT_TRUE(bad.cfg->batch_mode);
}

TEST(SshConfig, ForwardsProxyCommandControlPersist) {
  auto r = run(kC3Text, "h");
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(common_lines(dump_client_config(*r.cfg), kC3G), kC3G);
  EXPECT_EQ(r.cfg->escape_char, -1);
}

TEST(SshConfig, IncludeFromInactiveBlockNeverMatches) {
  // c4: "Host x / HostName x.%h.net / Include /tmp/config-a/inc/*.conf / Host * / User
  // dflt / Port 99"; inc/10-a.conf "Host a / User a-user", inc/20-b.conf "Port 2345 /
  // Host b / User b-user". ssh -G: a -> user dflt port 99; b -> user dflt port 99;
  // x -> user dflt hostname x.x.net port 2345.
  const char* c4 = "Host x\n  HostName x.%h.net\nInclude /tmp/config-a/inc/*.conf\nHost *\n  User dflt\n  Port 99\n";
  std::vector<std::string> patterns;
  auto inc = [&](std::string_view p) -> Result<std::vector<IncludedFile>> {
    patterns.emplace_back(p);
    return std::vector<IncludedFile>{{"10-a.conf", "Host a\n  User a-user\n"},
                                     {"20-b.conf", "Port 2345\nHost b\n  User b-user\n"}};
  };
  for (auto [host, user, hostname, port] : {std::tuple{"a", "dflt", "a", 99}, std::tuple{"b", "dflt", "b", 99},
                                            std::tuple{"x", "dflt", "x.x.net", 2345}}) {
    auto r = run(c4, host, true, inc);
    ASSERT_TRUE(r.cfg) << r.cfg.error().message;
    EXPECT_EQ(r.cfg->user, user) << host;
    EXPECT_EQ(r.cfg->hostname, hostname) << host;
    EXPECT_EQ(r.cfg->port, port) << host;
  }
  EXPECT_EQ(patterns.front(), "/tmp/config-a/inc/*.conf");
  patterns.clear();
  EXPECT_TRUE(run("Include config.d/*\n", "h", true, inc).cfg);
  EXPECT_EQ(patterns, std::vector<std::string>{"/root/.ssh/config.d/*"});
  // A file including itself stops at the depth limit with an error, not a crash.
  auto self = [](std::string_view) -> Result<std::vector<IncludedFile>> {
    return std::vector<IncludedFile>{{"loop", "Include loop\n"}};
  };
  auto loop = run("Include loop\n", "h", true, self);
  ASSERT_FALSE(loop.cfg);
  EXPECT_NE(loop.cfg.error().message.find("Include depth limit exceeded"), std::string::npos);
}

TEST(SshConfig, HostBlockInIncludedFileEndsWithTheFile) {
  // ssh -G -F c10 h ("Include inc2" holding "Host nomatch / User z", then "Port 5"): port 5.
  auto inc = [](std::string_view) -> Result<std::vector<IncludedFile>> {
    return std::vector<IncludedFile>{{"inc2", "Host nomatch\n User z\n"}};
  };
  auto r = run("Include /tmp/config-a/inc2\nPort 5\n", "h", true, inc);
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(r.cfg->port, 5);
  EXPECT_EQ(r.cfg->user, "root");
}

TEST(SshConfig, MatchFinalAndCanonicalMatchOnTheFinalPass) {
  // ssh -G -F e6 h: user fin, port 44.
  auto r = run("Match final host h\n User fin\nMatch canonical\n User can\nMatch all\n Port 44\n", "h");
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(r.cfg->user, "fin");
  EXPECT_EQ(r.cfg->port, 44);
  // Without "Match final" there is no final pass: canonical never matches.
  auto c = run("Match canonical\n User can\n", "h");
  ASSERT_TRUE(c.cfg);
  EXPECT_EQ(c.cfg->user, "root");
}

TEST(SshConfig, MatchUserExecAndHostNameAsSsh) {
  // ssh -G -F c5 h: the exec of a line whose host criterion failed is not run.
  auto skipped = run("Match host nomatch exec \"touch ran\"\n User x\n", "h");
  ASSERT_TRUE(skipped.cfg);
  EXPECT_TRUE(skipped.execs.empty());
  // ssh -G -F c6 h: user bob, port 7 (Match user sees the local user until User is set).
  auto u = run("Match user root\n  Port 7\nUser bob\nMatch user bob\n  Port 8\n", "h");
  ASSERT_TRUE(u.cfg);
  EXPECT_EQ(u.cfg->user, "bob");
  EXPECT_EQ(u.cfg->port, 7);
  // ssh -G -F c7 h: hostname real.example, port 9 (HostName lowered, Match host sees it).
  auto hn = run("Host h\n  HostName Real.Example\nMatch host real.example\n  Port 9\n", "h");
  ASSERT_TRUE(hn.cfg);
  EXPECT_EQ(hn.cfg->hostname, "real.example");
  EXPECT_EQ(hn.cfg->port, 9);
}

TEST(SshConfig, ValueSpellingsAsSshG) {
  // ssh -G -F c9 h, filtered.
  const char* c9 =
      "StrictHostKeyChecking yes\nRequestTTY yes\nControlMaster ask\nForwardAgent /tmp/agent.sock\n"
      "AddressFamily inet6\nEscapeChar x\nConnectTimeout 10s\nPubkeyAuthentication unbound\nControlPersist yes\n"
      "RekeyLimit default none\nLogLevel debug\nForwardX11 no\nIdentitiesOnly true\n";
  const std::string want =
      "addressfamily inet6\ncontrolmaster ask\nforwardx11 no\nidentitiesonly yes\npubkeyauthentication unbound\n"
      "requesttty true\nstricthostkeychecking true\nloglevel DEBUG\nforwardagent /tmp/agent.sock\n"
      "connecttimeout 10\ncontrolpersist yes\nescapechar x\nrekeylimit 0 0\n";
  auto r = run(c9, "h");
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(common_lines(dump_client_config(*r.cfg), want), want);
  EXPECT_TRUE(r.cfg->pubkey_authentication);
  EXPECT_EQ(r.cfg->connect_timeout, 10);
}

TEST(SshConfig, SendEnvRemoval) {
  // ssh -G -F c8 h: sendenv LANG, XX, YY.
  auto r = run("SendEnv LANG LC_ALL LC_CTYPE XX\nSendEnv -LC_*\nSendEnv YY\n", "h");
  ASSERT_TRUE(r.cfg);
  EXPECT_EQ(r.cfg->send_env, (std::vector<std::string>{"LANG", "XX", "YY"}));
}

TEST(SshConfig, ErrorsInOpenSshWording) {
  // Real ssh -G -F <file> h, stderr.
  const std::pair<const char*, const char*> cases[] = {
      {"Host *\n  Foo bar\n  Port=22x\n",
       "cfg: line 2: Bad configuration option: foo\ncfg line 3: Bad port '22x'.\ncfg: terminating, 2 bad configuration options"},
      {"Port 70000\n", "cfg line 1: Bad port '70000'.\ncfg: terminating, 1 bad configuration options"},
      {"Compression maybe\n", "cfg line 1: unsupported option \"maybe\".\ncfg: terminating, 1 bad configuration options"},
      {"IgnoreUnknown foo*\nFooBar 1\nUser \"a b\"\nHostName\n",
       "cfg line 4: no argument after keyword \"hostname\"\ncfg: terminating, 1 bad configuration options"},
      {"Port 22 33\n", "cfg line 1: keyword port extra arguments at end of line\ncfg: terminating, 1 bad configuration options"},
      // The same for single lines (real ssh -G -F ee h, its "Unsupported KEX algorithm"
      // note before the KexAlgorithms line left out).
      {"KexAlgorithms bogus\n", "cfg line 1: Bad SSH2 KexAlgorithms 'bogus'.\ncfg: terminating, 1 bad configuration options"},
      {"RekeyLimit 1Q\n", "cfg line 1: Bad number '1Q': Invalid argument\ncfg: terminating, 1 bad configuration options"},
      {"Match host\n",
       "Missing Match criteria for host\ncfg line 1: Bad Match condition\ncfg: terminating, 1 bad configuration options"},
      {"Match bogus x\n",
       "Unsupported Match attribute bogus\ncfg line 1: Bad Match condition\ncfg: terminating, 1 bad configuration options"},
      {"RekeyLimit 1G 5x\n", "cfg line 1: invalid time value.\ncfg: terminating, 1 bad configuration options"},
      {"Port 0\n", "cfg line 1: Bad port '0'.\ncfg: terminating, 1 bad configuration options"},
      {"ServerAliveInterval -1\n", "cfg line 1: invalid time value.\ncfg: terminating, 1 bad configuration options"},
      {"Ciphers bogus\n", "cfg line 1: Bad SSH2 cipher spec 'bogus'.\ncfg: terminating, 1 bad configuration options"},
      {"MACs bogus\n", "cfg line 1: Bad SSH2 MAC spec 'bogus'.\ncfg: terminating, 1 bad configuration options"},
      {"HostKeyAlgorithms bogus\n", "cfg line 1: Bad key types 'bogus'.\ncfg: terminating, 1 bad configuration options"},
      {"EscapeChar ab\n", "cfg line 1: Bad escape character.\ncfg: terminating, 1 bad configuration options"},
      {"SetEnv NOEQ\n", "cfg line 1: Invalid SetEnv.\ncfg: terminating, 1 bad configuration options"},
      {"LocalForward 1\n", "cfg line 1: Missing target argument.\ncfg: terminating, 1 bad configuration options"},
      {"LogLevel LOUD\n", "cfg line 1: unsupported log level 'LOUD'\ncfg: terminating, 1 bad configuration options"},
      {"ConnectionAttempts x\n", "cfg line 1: integer value invalid.\ncfg: terminating, 1 bad configuration options"},
      {"Match\n", "cfg line 1: no argument after keyword \"match\"\ncfg: terminating, 1 bad configuration options"},
      {"Match all host x\n",
       "cfg line 1: 'all' cannot be combined with other Match attributes\ncfg: terminating, 1 bad configuration options"},
      {"User a b\n", "cfg line 1: keyword user extra arguments at end of line\ncfg: terminating, 1 bad configuration options"},
  };
  for (auto [text, want] : cases) {
    auto r = run(text, "h");
    ASSERT_FALSE(r.cfg) << text;
    EXPECT_EQ(r.cfg.error().code, Errc::bad_format);
    EXPECT_EQ(r.cfg.error().message, want);
  }
  // Deprecated and unsupported keywords are accepted silently (ssh -G -F e7 h: no error).
  auto ok = run("UseRSH yes\nProtocol 2\nCipher aes\nRSAAuthentication yes\nUsePrivilegedPort no\n"
                "GSSAPIAuthentication yes\nSmartcardDevice x\n",
                "h");
  EXPECT_TRUE(ok.cfg);
}

TEST(SshConfig, LexingQuotesEqualsCommentsCase) {
  auto r = run("  HOSTNAME=\"my host\"  # comment\nuser = 'o\\'brien'\n# Port 1\nport\t=\t2\nSendEnv A #B C\n", "h");
  ASSERT_TRUE(r.cfg) << r.cfg.error().message;
  EXPECT_EQ(r.cfg->hostname, "my host");
  EXPECT_EQ(r.cfg->user, "o'brien");
  EXPECT_EQ(r.cfg->port, 2);
  EXPECT_EQ(r.cfg->send_env, std::vector<std::string>{"A"});
  auto q = run("User \"abc\n", "h");
  ASSERT_FALSE(q.cfg);
  EXPECT_NE(q.cfg.error().message.find("cfg line 1: invalid quotes"), std::string::npos);
}

TEST(SshConfig, CommandLineOptionsComeFirst) {
  ClientConfigBuilder b(root_ctx("h"), nullptr, nullptr);
  ASSERT_TRUE(b.apply_line("Port=2200"));
  EXPECT_FALSE(b.apply_line("Host x"));
  EXPECT_FALSE(b.apply_line("Bogus 1"));
  ASSERT_TRUE(b.read_file("cfg", "Port 22\nUser u\n", true));
  auto c = b.finish();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 2200);
  EXPECT_EQ(c->user, "u");
}

TEST(SshConfig, TokenExpansion) {
  ClientConfig c;
  c.host = "Alias";
  c.hostname = "real.example";
  c.port = 2022;
  c.user = "deploy";
  auto ctx = root_ctx("Alias");
  ctx.uid = 1000;
  // %C: ssh -G's controlpath ~/.ssh/cm-%C for vm + www.example.com + 2022 + deploy.
  ClientConfig w = c;
  w.hostname = "www.example.com";
  EXPECT_EQ(*expand_tokens("%C", w, ctx), "812f18ac4ae70676283a08bb5c7c97b6efd15390");
  EXPECT_EQ(*expand_tokens("%%%h:%p %r@%n %u %d %l %L %i", c, ctx), "%real.example:2022 deploy@Alias root /root vm vm 1000");
  EXPECT_FALSE(expand_tokens("abc%", c, ctx));
  EXPECT_FALSE(expand_tokens("%z", c, ctx));
}

TEST(SshConfig, HostileInputIsRefusedNotFatal) {
  std::string huge(limits::kMaxConfigFileBytes + 1, '#');
  EXPECT_FALSE(run(huge.c_str(), "h").cfg);
  std::string args = "SendEnv";
  for (std::size_t i = 0; i <= limits::kMaxConfigArgs; ++i) args += " a";
  EXPECT_FALSE(run(args.c_str(), "h").cfg);
  for (const char* bad : {"Match\n", "Match host\n", "Match all host x\n", "Match bogus x\n", "EscapeChar ab\n",
                          "RekeyLimit 1Q\n", "ConnectTimeout 5x\n", "SetEnv NOEQUALS\n", "LocalForward 1\n",
                          "Ciphers nonexistent-cipher\n", "LogLevel LOUD\n"}) {
    EXPECT_FALSE(run(bad, "h").cfg) << bad;
  }
}
