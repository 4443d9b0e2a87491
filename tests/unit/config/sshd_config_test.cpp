// sshd_config: effective settings compared with the real `sshd -T -f <file>` (and
// `-C user=,addr=,host=,laddr=,lport=`) of OpenSSH 9.2p1 (Debian 9.2p1-2+deb12u*),
// run in a temporary directory with a host key made by ssh-keygen; the output was
// filtered to the keywords skiff prints (algorithm lists only where the file sets
// them) and embedded below as it came out. Error texts likewise.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/sshd_config.hpp"

using namespace skiff;
using namespace skiff::config;

namespace {

// Generated from the real OpenSSH 9.2 (Debian) sshd -T in /tmp/config-b; see sshd_config_test.cpp.
const char* const kDefaultT = R"cfg(port 22
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam no
logingracetime 120
maxauthtries 6
maxsessions 10
clientaliveinterval 0
clientalivecountmax 3
permitrootlogin without-password
pubkeyauthentication yes
passwordauthentication yes
kbdinteractiveauthentication yes
printmotd yes
printlastlog yes
x11forwarding no
permittty yes
strictmodes yes
permitemptypasswords no
gatewayports no
allowtcpforwarding yes
allowagentforwarding yes
streamlocalbindunlink no
pidfile /run/sshd.pid
banner none
forcecommand none
chrootdirectory none
authorizedkeyscommand none
authorizedkeyscommanduser none
loglevel INFO
syslogfacility AUTH
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
hostkey /tmp/config-b/hk
authenticationmethods any
maxstartups 10:30:100
rekeylimit 0 0
permitopen any
permitlisten any
permituserenvironment no
)cfg";
const char* const kS20Text = R"cfg(# skiffd fixture
HostKey /tmp/config-b/hk
Port 2200
Port 2201
ListenAddress 127.0.0.1
ListenAddress [::1]:2022
PermitRootLogin prohibit-password
LoginGraceTime 1m30s
ClientAliveInterval 1h
ClientAliveCountMax 2
MaxAuthTries 3
MaxSessions 4
MaxStartups 5:50:20
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AuthenticationMethods publickey,password publickey,keyboard-interactive
AuthorizedKeysFile .ssh/authorized_keys /etc/keys/%u
AuthorizedKeysCommand /usr/bin/keys %u %h
AuthorizedKeysCommandUser nobody
AllowUsers alice bob@10.0.0.0/8
AllowUsers carol
DenyUsers mallory
AllowGroups staff
DenyGroups guests
PermitEmptyPasswords no
PermitUserEnvironment LANG,LC_*
AcceptEnv LANG LC_*
AcceptEnv TZ
SetEnv A=1 B=2
Subsystem sftp /usr/lib/openssh/sftp-server -l INFO
Subsystem other  /bin/other
PermitTTY yes
PrintMotd no
PrintLastLog no
Banner /etc/issue.net
StrictModes no
Ciphers aes128-ctr,aes256-gcm@openssh.com
MACs hmac-sha2-256
KexAlgorithms curve25519-sha256
HostKeyAlgorithms ssh-ed25519
PubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-512
RekeyLimit 512M 30m
LogLevel VERBOSE
SyslogFacility AUTHPRIV
PidFile /tmp/skiffd.pid
X11Forwarding yes
AllowTcpForwarding local
GatewayPorts clientspecified
AllowAgentForwarding no
StreamLocalBindUnlink yes
PermitOpen host:80 other:443
PermitListen 8080
Match User alice Address 10.0.0.0/8,!10.9.0.0/16
  PasswordAuthentication no
  ForceCommand /usr/bin/restricted  "arg"
  ChrootDirectory /srv/%u
  X11Forwarding no
Match Group admins LocalPort 2201
  MaxAuthTries 10
  AcceptEnv EDITOR
Match Host *.trusted LocalAddress 127.0.0.1
  PermitRootLogin yes
  Banner none
)cfg";
const char* const kS20T = R"cfg()cfg";
const char* const kS20Alice = R"cfg(port 2200
port 2201
addressfamily any
listenaddress 127.0.0.1:2200
listenaddress 127.0.0.1:2201
listenaddress [::1]:2022
usepam yes
logingracetime 90
maxauthtries 3
maxsessions 4
clientaliveinterval 3600
clientalivecountmax 2
permitrootlogin without-password
pubkeyauthentication yes
passwordauthentication no
kbdinteractiveauthentication no
printmotd no
printlastlog no
x11forwarding no
permittty yes
strictmodes no
permitemptypasswords no
gatewayports clientspecified
allowtcpforwarding local
allowagentforwarding no
streamlocalbindunlink yes
pidfile /tmp/skiffd.pid
ciphers aes128-ctr,aes256-gcm@openssh.com
macs hmac-sha2-256
banner /etc/issue.net
forcecommand /usr/bin/restricted  "arg"
chrootdirectory /srv/%u
authorizedkeyscommand /usr/bin/keys %u %h
authorizedkeyscommanduser nobody
kexalgorithms curve25519-sha256
hostkeyalgorithms ssh-ed25519
pubkeyacceptedalgorithms ssh-ed25519,rsa-sha2-512
loglevel VERBOSE
syslogfacility AUTHPRIV
authorizedkeysfile .ssh/authorized_keys /etc/keys/%u
hostkey /tmp/config-b/hk
allowusers alice
allowusers bob@10.0.0.0/8
allowusers carol
denyusers mallory
allowgroups staff
denygroups guests
acceptenv LANG
acceptenv LC_*
acceptenv TZ
setenv A=1
setenv B=2
authenticationmethods publickey,password publickey,keyboard-interactive
subsystem sftp /usr/lib/openssh/sftp-server -l INFO
subsystem other /bin/other
maxstartups 5:50:20
rekeylimit 536870912 1800
permitopen host:80 other:443
permitlisten *:8080
permituserenvironment LANG,LC_*
)cfg";
const char* const kS20Alice9 = R"cfg(port 2200
port 2201
addressfamily any
listenaddress 127.0.0.1:2200
listenaddress 127.0.0.1:2201
listenaddress [::1]:2022
usepam yes
logingracetime 90
maxauthtries 3
maxsessions 4
clientaliveinterval 3600
clientalivecountmax 2
permitrootlogin without-password
pubkeyauthentication yes
passwordauthentication yes
kbdinteractiveauthentication no
printmotd no
printlastlog no
x11forwarding yes
permittty yes
strictmodes no
permitemptypasswords no
gatewayports clientspecified
allowtcpforwarding local
allowagentforwarding no
streamlocalbindunlink yes
pidfile /tmp/skiffd.pid
ciphers aes128-ctr,aes256-gcm@openssh.com
macs hmac-sha2-256
banner /etc/issue.net
forcecommand none
chrootdirectory none
authorizedkeyscommand /usr/bin/keys %u %h
authorizedkeyscommanduser nobody
kexalgorithms curve25519-sha256
hostkeyalgorithms ssh-ed25519
pubkeyacceptedalgorithms ssh-ed25519,rsa-sha2-512
loglevel VERBOSE
syslogfacility AUTHPRIV
authorizedkeysfile .ssh/authorized_keys /etc/keys/%u
hostkey /tmp/config-b/hk
allowusers alice
allowusers bob@10.0.0.0/8
allowusers carol
denyusers mallory
allowgroups staff
denygroups guests
acceptenv LANG
acceptenv LC_*
acceptenv TZ
setenv A=1
setenv B=2
authenticationmethods publickey,password publickey,keyboard-interactive
subsystem sftp /usr/lib/openssh/sftp-server -l INFO
subsystem other /bin/other
maxstartups 5:50:20
rekeylimit 536870912 1800
permitopen host:80 other:443
permitlisten *:8080
permituserenvironment LANG,LC_*
)cfg";
const char* const kS20Bob = R"cfg(port 2200
port 2201
addressfamily any
listenaddress 127.0.0.1:2200
listenaddress 127.0.0.1:2201
listenaddress [::1]:2022
usepam yes
logingracetime 90
maxauthtries 3
maxsessions 4
clientaliveinterval 3600
clientalivecountmax 2
permitrootlogin yes
pubkeyauthentication yes
passwordauthentication yes
kbdinteractiveauthentication no
printmotd no
printlastlog no
x11forwarding yes
permittty yes
strictmodes no
permitemptypasswords no
gatewayports clientspecified
allowtcpforwarding local
allowagentforwarding no
streamlocalbindunlink yes
pidfile /tmp/skiffd.pid
ciphers aes128-ctr,aes256-gcm@openssh.com
macs hmac-sha2-256
banner none
forcecommand none
chrootdirectory none
authorizedkeyscommand /usr/bin/keys %u %h
authorizedkeyscommanduser nobody
kexalgorithms curve25519-sha256
hostkeyalgorithms ssh-ed25519
pubkeyacceptedalgorithms ssh-ed25519,rsa-sha2-512
loglevel VERBOSE
syslogfacility AUTHPRIV
authorizedkeysfile .ssh/authorized_keys /etc/keys/%u
hostkey /tmp/config-b/hk
allowusers alice
allowusers bob@10.0.0.0/8
allowusers carol
denyusers mallory
allowgroups staff
denygroups guests
acceptenv LANG
acceptenv LC_*
acceptenv TZ
setenv A=1
setenv B=2
authenticationmethods publickey,password publickey,keyboard-interactive
subsystem sftp /usr/lib/openssh/sftp-server -l INFO
subsystem other /bin/other
maxstartups 5:50:20
rekeylimit 536870912 1800
permitopen host:80 other:443
permitlisten *:8080
permituserenvironment LANG,LC_*
)cfg";


// The lines of dump whose keyword occurs in expected (order and values compared).
std::string common_lines(const std::string& dump, const std::string& expected) {
  std::vector<std::string> keys;
  for (std::size_t p = 0; p < expected.size();) {
    keys.push_back(expected.substr(p, expected.find(' ', p) - p));
    p = expected.find('\n', p) + 1;
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

const IncludeResolver kNoInclude = nullptr;
const GroupLookup kNoGroups = [](std::string_view) { return std::vector<std::string>{}; };

Result<ServerConfigFile> parse(std::string_view text, const IncludeResolver& inc = kNoInclude) {
  return ServerConfigFile::parse("cfg", text, inc);
}

}  // namespace

TEST(SshdConfig, DefaultsAsSshdT) {
  auto f = parse("HostKey /tmp/config-b/hk\n");
  ASSERT_TRUE(f) << f.error().message;
  auto c = f->global();
  ASSERT_TRUE(c);
  EXPECT_EQ(common_lines(dump_server_config(*c), kDefaultT), kDefaultT);
  EXPECT_EQ(c->login_grace_time, 120);
  EXPECT_EQ(c->permit_root_login, PermitRootLogin::prohibit_password);
}

TEST(SshdConfig, GlobalSettingsAsSshdT) {
  auto f = parse(kS20Text);
  ASSERT_TRUE(f) << f.error().message;
  auto c = f->global();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(common_lines(dump_server_config(*c), kS20T), kS20T);
  EXPECT_EQ(c->login_grace_time, 90);
  EXPECT_EQ(c->client_alive_interval, 3600);
  EXPECT_EQ(c->max_startups.begin, 5);
  EXPECT_EQ(c->max_startups.rate, 50);
  EXPECT_EQ(c->max_startups.full, 20);
  EXPECT_EQ(c->rekey_limit.bytes, 512u << 20);
  EXPECT_EQ(c->rekey_limit.seconds, 1800u);
  EXPECT_EQ(c->authentication_methods,
            (std::vector<std::string>{"publickey,password", "publickey,keyboard-interactive"}));
  EXPECT_EQ(c->authorized_keys_command, "/usr/bin/keys %u %h");
}

TEST(SshdConfig, MatchBlocksPerConnectionAsSshdTC) {
  auto f = parse(kS20Text);
  ASSERT_TRUE(f) << f.error().message;
  struct Case {
    ConnectionInfo conn;
    const char* want;
  } cases[] = {
      {{"alice", "h", "10.1.2.3", "1.2.3.4", 2200}, kS20Alice},
      {{"alice", "h", "10.9.2.3", "1.2.3.4", 2200}, kS20Alice9},
      {{"bob", "a.trusted", "192.0.2.1", "127.0.0.1", 2201}, kS20Bob},
  };
  for (const auto& tc : cases) {
    auto c = f->for_connection(tc.conn, kNoGroups);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(common_lines(dump_server_config(*c), tc.want), tc.want) << tc.conn.user << " " << tc.conn.address;
  }
  auto alice = f->for_connection(cases[0].conn, kNoGroups);
  EXPECT_EQ(alice->force_command, "/usr/bin/restricted  \"arg\"");
  EXPECT_FALSE(alice->password_authentication);
  // Match Group goes through the caller's lookup: bob in admins on port 2201.
  auto admins = [](std::string_view user) {
    return user == "bob" ? std::vector<std::string>{"users", "admins"} : std::vector<std::string>{};
  };
  auto bob = f->for_connection({"bob", "x", "192.0.2.1", "1.2.3.4", 2201}, admins);
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->max_auth_tries, 10);
  EXPECT_EQ(bob->accept_env, std::vector<std::string>{"EDITOR"});
  auto other_port = f->for_connection({"bob", "x", "192.0.2.1", "1.2.3.4", 2200}, admins);
  EXPECT_EQ(other_port->max_auth_tries, 3);
}

TEST(SshdConfig, ValueSpellingsAsSshdT) {
  // sshd -T -f s21, filtered.
  const char* s21 =
      "HostKey /tmp/config-b/hk\nPermitRootLogin forced-commands-only\nLogLevel debug\nSyslogFacility local3\n"
      "ClientAliveInterval 2m\nLoginGraceTime 0\nAuthenticationMethods any\nAuthorizedKeysFile none\n"
      "MaxStartups 7\nRekeyLimit 1G\nPermitUserEnvironment yes\nPermitOpen any\nX11Forwarding yes\nBanner none\n";
  const std::string want =
      "logingracetime 0\nclientaliveinterval 120\npermitrootlogin forced-commands-only\nx11forwarding yes\n"
      "banner none\nloglevel DEBUG\nsyslogfacility LOCAL3\nauthorizedkeysfile none\nauthenticationmethods any\n"
      "maxstartups 7:30:7\nrekeylimit 1073741824 0\npermitopen any\npermituserenvironment yes\n";
  auto f = parse(s21);
  ASSERT_TRUE(f) << f.error().message;
  auto c = f->global();
  ASSERT_TRUE(c);
  EXPECT_EQ(common_lines(dump_server_config(*c), want), want);
  EXPECT_TRUE(c->authorized_keys_files.empty());
  EXPECT_EQ(c->permit_root_login, PermitRootLogin::forced_commands_only);
}

TEST(SshdConfig, ForwardingKeywordsAsSshdT) {
  // sshd -T -f with these lines, filtered: the mask is printed "0%o" (0077 -> 077).
  const char* text =
      "HostKey /tmp/config-b/hk\nAllowTcpForwarding local\nAllowStreamLocalForwarding remote\n"
      "DisableForwarding yes\nGatewayPorts clientspecified\nPermitOpen 127.0.0.1:22 *:8080 [::1]:99\n"
      "PermitListen 8080 localhost:*\nStreamLocalBindMask 0077\nStreamLocalBindUnlink yes\n";
  const std::string want =
      "streamlocalbindmask 077\ngatewayports clientspecified\nallowtcpforwarding local\ndisableforwarding yes\n"
      "allowstreamlocalforwarding remote\nstreamlocalbindunlink yes\npermitopen 127.0.0.1:22 *:8080 [::1]:99\n"
      "permitlisten *:8080 localhost:*\n";
  auto f = parse(text);
  ASSERT_TRUE(f) << f.error().message;
  auto c = f->global();
  ASSERT_TRUE(c);
  EXPECT_EQ(common_lines(dump_server_config(*c), want), want);
}

TEST(SshdConfig, ErrorsInSshdWording) {
  // Real sshd -T -f <file>, stderr (sshd adds the "terminating" line).
  auto e = parse("HostKey /tmp/config-b/hk\nFooBar x\nPort 1 2\nMatch User x\n  Port 33\n");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::bad_format);
  EXPECT_EQ(e.error().message,
            "cfg: line 2: Bad configuration option: FooBar\n"
            "cfg line 3: keyword Port extra arguments at end of line\n"
            "cfg line 5: Directive 'Port' is not allowed within a Match block\n"
            "cfg: terminating, 3 bad configuration options");
  // Real sshd -t -f ee with "HostKey ..." on line 1 and the text on line 2; stderr up to
  // the terminating line, which sshd sends to its log for most of these.
  const std::pair<const char*, const char*> cases[] = {
      {"LoginGraceTime 2x\n", "cfg line 2: invalid time value."},
      {"PermitRootLogin maybe\n", "cfg line 2: unsupported option \"maybe\"."},
      {"Match\n", "cfg line 2: no argument after keyword \"Match\""},
      {"Match User\n", "Missing Match criteria for User\ncfg line 2: Bad Match condition"},
      {"Match all User x\n", "'all' cannot be combined with other Match attributes\ncfg line 2: Bad Match condition"},
      {"Match Bogus x\n", "Unsupported Match attribute Bogus\ncfg line 2: Bad Match condition"},
      {"Match Address 10.0.0.0/99\n", "Invalid Match address argument '10.0.0.0/99' at line 2"},
      {"Match LocalPort x\n", "Invalid LocalPort 'x' on Match line\ncfg line 2: Bad Match condition"},
      {"MaxStartups 1:2\n", "cfg line 2: Invalid MaxStartups spec."},
      {"MaxStartups 9:50:5\n", "cfg line 2: Invalid MaxStartups spec."},
      {"Subsystem sftp\n", "cfg line 2: Missing subsystem command."},
      {"SyslogFacility NOWHERE\n", "cfg line 2: unsupported log facility 'NOWHERE'"},
      {"Ciphers bogus\n", "cfg line 2: Bad SSH2 cipher spec 'bogus'."},
      {"Port 0\n", "cfg line 2: Badly formatted port number."},
      {"MaxAuthTries x\n", "cfg line 2: MaxAuthTries integer value invalid."},
      {"PasswordAuthentication true\n", "cfg line 2: unsupported option \"true\"."},
      {"LogLevel LOUD\n", "cfg line 2: unsupported log level 'LOUD'"},
      {"AllowTcpForwarding maybe\n", "cfg line 2: unsupported option \"maybe\"."},
      {"Subsystem a b\nSubsystem a c\n", "cfg line 3: Subsystem 'a' already defined."},
  };
  for (auto [text, want] : cases) {
    auto r = parse(std::string("HostKey /tmp/config-b/hk\n") + text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().message.substr(0, r.error().message.find("\ncfg: terminating")), want);
  }
}

TEST(SshdConfig, IncludeAndCommandLine) {
  std::vector<std::string> asked;
  auto inc = [&](std::string_view p) -> Result<std::vector<IncludedFile>> {
    asked.emplace_back(p);
    return std::vector<IncludedFile>{{"/etc/ssh/sshd_config.d/a.conf", "Port 2222\nMatch User x\n  Banner /b\n"}};
  };
  auto f = ServerConfigFile::parse("cfg", "Include sshd_config.d/*.conf\nPort 22\nPasswordAuthentication no\n", inc,
                                   {"PasswordAuthentication yes"});
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(asked, std::vector<std::string>{"/etc/ssh/sshd_config.d/*.conf"});
  auto g = f->global();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->ports, (std::vector<std::uint16_t>{2222, 22}));
  EXPECT_TRUE(g->password_authentication);
  EXPECT_EQ(g->banner, "");
  auto x = f->for_connection({"x", "h", "1.2.3.4", "5.6.7.8", 22}, kNoGroups);
  EXPECT_EQ(x->banner, "/b");
  auto self = [](std::string_view) -> Result<std::vector<IncludedFile>> {
    return std::vector<IncludedFile>{{"loop", "Include loop\n"}};
  };
  EXPECT_FALSE(ServerConfigFile::parse("cfg", "Include loop\n", self));
}

TEST(SshdConfig, MatchInIncludedFileEndsWithTheFile) {
  // sshd -T -f s22 ("Include inc.conf" with "Match User x / Banner /b", then
  // "MaxAuthTries 2"): maxauthtries 2, banner none.
  auto inc = [](std::string_view) -> Result<std::vector<IncludedFile>> {
    return std::vector<IncludedFile>{{"inc.conf", "Match User x\n  Banner /b\n"}};
  };
  auto f = parse("HostKey /tmp/config-b/hk\nInclude /tmp/config-b/inc.conf\nMaxAuthTries 2\n", inc);
  ASSERT_TRUE(f) << f.error().message;
  auto g = f->global();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->max_auth_tries, 2);
  EXPECT_EQ(g->banner, "");
  auto y = f->for_connection({"y", "h", "1.2.3.4", "5.6.7.8", 22}, kNoGroups);
  EXPECT_EQ(y->max_auth_tries, 2);
}

TEST(SshdConfig, DeprecatedOptionsAreWarnings) {
  // sshd -T -f s23, stderr (the line 6 repeat comes from sshd's re-parse for -T).
  auto f = ServerConfigFile::parse("s23",
                                   "HostKey /tmp/config-b/hk\nUsePrivilegeSeparation yes\nProtocol 2\n"
                                   "KeyRegenerationInterval 3600\nServerKeyBits 1024\nRSAAuthentication yes\n"
                                   "UseLogin no\nChallengeResponseAuthentication no\nGSSAPIAuthentication no\n",
                                   kNoInclude);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->warnings(), (std::vector<std::string>{"s23 line 2: Deprecated option UsePrivilegeSeparation",
                                                     "s23 line 4: Deprecated option KeyRegenerationInterval",
                                                     "s23 line 5: Deprecated option ServerKeyBits",
                                                     "s23 line 6: Deprecated option RSAAuthentication",
                                                     "s23 line 7: Deprecated option UseLogin"}));
  EXPECT_FALSE(f->global()->kbd_interactive_authentication);
}

TEST(SshdConfig, AuthorizedKeysPathTokens) {
  EXPECT_EQ(*expand_authorized_keys_path(".ssh/authorized_keys", "alice", "/home/alice", 1000),
            "/home/alice/.ssh/authorized_keys");
  EXPECT_EQ(*expand_authorized_keys_path("/etc/keys/%u.%U", "alice", "/home/alice", 1000), "/etc/keys/alice.1000");
  EXPECT_EQ(*expand_authorized_keys_path("%h/k%%", "a", "/h", 0), "/h/k%");
  EXPECT_FALSE(expand_authorized_keys_path("%x", "a", "/h", 0));
  EXPECT_FALSE(expand_authorized_keys_path("a%", "a", "/h", 0));
}
