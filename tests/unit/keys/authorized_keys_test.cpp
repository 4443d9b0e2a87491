// authorized_keys parsing. The keys were made with OpenSSH 9.2p1's ssh-keygen (-t ed25519,
// ecdsa -b 256/384/521, rsa -b 2048, dsa); the verdicts on the subtle lines (empty
// options between commas, a trailing comma, prefix-matched flags, repeated clauses,
// permitopen forms, expiry times, tunnel "+5") were checked with a real sshd 9.2p1 -ddd
// reading each line as its authorized_keys ("bad key options: ..." or the "key options:"
// it then applied). The epoch values come from date(1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "keys/authorized_keys.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"

using skiff::Errc;
using skiff::crypto::KeyType;
using skiff::keys::AuthorizedKey;
using skiff::keys::parse_authorized_key_line;
using skiff::keys::parse_authorized_keys;

namespace {

constexpr std::string_view kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPW/7+d+JxdhzvtQaytjTUWbFYHiob6H+89ve0keNPre h3-k_ed"
    "25519@test";
constexpr std::string_view kP256 =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFLe2diXA0tGbYSi"
    "EZxDMaGRiJNPJvZ4GYdFWqZoieWkV73VRc/bbQEKhCo4oQ62LWQVXRIiP7Ai3Z5ajDI1oqQ= h3-k_ecdsab256@"
    "test";
constexpr std::string_view kP384 =
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBHjN/yICJuh9neAL"
    "iWo3raTrm4DFtw0EgzjjPoWYsHpHLOyecVzra8IxO0MKS7RQIj/PQqISpONyW59GFDS8toBkl5GOztm2qA2LlDB4"
    "GXLteu9FZzLR00FzG0PNRvR5Og== h3-k_ecdsab384@test";
constexpr std::string_view kP521 =
    "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADs3kvBVj8uzMqo"
    "vXY4U8kIGYx3ouKGOMb4oEHgGrI5072MzXQ5/jhu+0H4eOMuHbhKhF9R8H2t59QdIGyO2lVFZwFzwaBxPLMjCHwW"
    "DCuutdKdK4Gdv1s4F1kwHjpi50ce5MOMVZv/Hxns7mtcxRK5+yjYtOrRP6rm4TzGHsB7v82RLA== h3-k_ecdsab"
    "521@test";
constexpr std::string_view kRsa =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC2lGoXDN3qsVkMzropfu4eq8d8lWRS0MMDNZqBTTci99Z1jtcQ"
    "erXftyP2houkWe/rjE4TS1kz85UhBpdXRXQh/RbF0xS7ftosanKz1owgaAv+EegVK8vst+WHHfuauIRMEVRmvE1/"
    "S2PSOA8kZGt3xfhB+Q7rjv6Xv481BmNIIF/+bHF3hp2qcDCQgmYrV8lAlLdp3P+6sfVXZSHDdzQ3dCs4WZGWhRZr"
    "nl72Qr3KWnabohhV5HW2wjv75eZso3lYuAGjcWJhBMgjkKRn9yAI4pHLdxiCXBOdIo3VIayeW5sEB5DYsftmh3jO"
    "GecShGXCwu+yMZB5qsoymB6g8USV h3-k_rsab2048@test";
constexpr std::string_view kDsa =
    "ssh-dss AAAAB3NzaC1kc3MAAACBAJCrIkgDa4VP35puNzf0zEWevSOFRW1JOV9XvoL1SlPFlPbYJpdlLRnr9Y5l"
    "C7zU3RGPPBqBG3FPnrIgJyJh99Zgvz6hifH4oY6bklFyjck7HarIgFdrSSkI0n+mSqbQC+qLdHRww800H298WpcB"
    "aFrK5j2hLssbkpwRtQag6DRhAAAAFQD4WCAHdYrO2HdGayeD1xzsAgn8hQAAAIBzMQrAg7ibCyVGQJGSNt8EL9k3"
    "rO8bhk7B7gv8phJKVq+o47Yrk6J4AvP/seDOH/BDsSH5YYyh4+IZAe74GToCe6UcvbweLPTgqFzKO4KUhtjHZ4PT"
    "Uid4eELicZZ8arIA7x9p11YaJZ2tvMjtEYakGQT+8x0EH0U8rhlopEokJgAAAIA0nFE3qrgXn5F90Jtycy1Dxiyg"
    "+o73HYli/114mMAM8rb1Jj0ZtFINjS4O5wQQjj7XEWXBW8QojwsPs0mRM+UZmq9pj84BRx/+BuxeUdkGi5LoWdVJ"
    "4WQCAjygVKE9as9oLXOT+Z8oiOQxl/gmST8PUr8+ajgHb33srNKWmzYHaQ== h3-k_dsa@test";

std::string with_options(std::string_view options, std::string_view key = kEd25519) {
  return std::string(options) + " " + std::string(key);
}

AuthorizedKey parse_ok(std::string_view line) {
  auto r = parse_authorized_key_line(line);
  EXPECT_TRUE(r.has_value()) << line << "\n  -> " << (r ? "" : r.error().to_string());
  if (!r) std::abort();
  return std::move(*r);
}

// The error for a line with these options in front of a good key.
skiff::Error option_error(std::string_view options) {
  auto r = parse_authorized_key_line(with_options(options));
  EXPECT_FALSE(r.has_value()) << options;
  return r ? skiff::Error{} : r.error();
}

void expect_bad_option(std::string_view options, std::string_view message_part) {
  const auto e = option_error(options);
  EXPECT_EQ(e.code, Errc::bad_format) << options;
  EXPECT_NE(e.message.find(message_part), std::string::npos) << options << " -> " << e.message;
}

// The blob of a "type base64 comment" line, decoded independently of the parser.
skiff::wire::Bytes blob_of(std::string_view pub) {
  const auto sp1 = pub.find(' ');
  const auto sp2 = pub.find(' ', sp1 + 1);
  return *skiff::wire::base64_decode(pub.substr(sp1 + 1, sp2 - sp1 - 1));
}

TEST(AuthorizedKeys, MergeKeepsTheMostRestrictive) {
  auto a = parse_authorized_key_line(with_options("command=\"one\",no-pty,environment=\"A=1\",expiry-time=\"20300101\""));
  auto b = parse_authorized_key_line(
      with_options("restrict,pty,command=\"two\",permitopen=\"h:1\",environment=\"B=2\",expiry-time=\"20290101\""));
  ASSERT_TRUE(a && b);
  auto m = skiff::keys::merge_most_restrictive(a->options, b->options);
  EXPECT_EQ(m.command, "one");  // the first forced command
  EXPECT_FALSE(m.pty);          // refused by the first
  EXPECT_FALSE(m.port_forwarding);  // refused by the second (restrict)
  EXPECT_FALSE(m.agent_forwarding);
  EXPECT_EQ(m.permitopen, std::vector<std::string>{"h:1"});
  EXPECT_EQ(m.environment, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(m.expiry_time, b->options.expiry_time);  // the earlier one
}

}  // namespace

TEST(AuthorizedKeys, BareKeysOfEveryType) {
  const struct {
    std::string_view line;
    KeyType type;
    std::string_view comment;
  } cases[] = {
      {kEd25519, KeyType::ed25519, "h3-k_ed25519@test"},
      {kP256, KeyType::ecdsa_p256, "h3-k_ecdsab256@test"},
      {kP384, KeyType::ecdsa_p384, "h3-k_ecdsab384@test"},
      {kP521, KeyType::ecdsa_p521, "h3-k_ecdsab521@test"},
      {kRsa, KeyType::rsa, "h3-k_rsab2048@test"},
  };
  for (const auto& c : cases) {
    const auto k = parse_ok(c.line);
    EXPECT_EQ(k.key.type(), c.type);
    EXPECT_EQ(k.comment, c.comment);
    EXPECT_EQ(skiff::keys::encode_public_blob(k.key), blob_of(c.line));
    EXPECT_FALSE(k.options.command || k.options.from || k.options.cert_authority);
    EXPECT_TRUE(k.options.pty && k.options.port_forwarding && k.options.agent_forwarding &&
                k.options.x11_forwarding && k.options.user_rc);
  }
}

TEST(AuthorizedKeys, KeyPartForms) {
  std::string rsa(kRsa);
  // ssh-keygen -l reads an ssh-rsa blob under the rsa-sha2-512 word, as sshd does.
  EXPECT_EQ(parse_ok("rsa-sha2-512" + rsa.substr(7)).key.type(), KeyType::rsa);
  EXPECT_EQ(parse_ok("rsa-sha2-256" + rsa.substr(7)).key.type(), KeyType::rsa);
  // No comment, blanks around and inside, CR at the end, leading blanks.
  const std::string ed(kEd25519);
  const std::string no_comment = ed.substr(0, ed.rfind(' '));
  EXPECT_EQ(parse_ok(no_comment).comment, "");
  EXPECT_EQ(parse_ok(" \t" + no_comment + " \t").comment, "");
  EXPECT_EQ(parse_ok(no_comment + "\t a  comment  with blanks \r").comment, "a  comment  with blanks");
  EXPECT_EQ(parse_ok("ssh-ed25519\t\t" + ed.substr(12)).key.type(), KeyType::ed25519);
}

TEST(AuthorizedKeys, BadKeyParts) {
  const std::string ed(kEd25519);
  auto code = [](std::string_view line) {
    auto r = parse_authorized_key_line(line);
    return r ? std::optional<Errc>{} : std::optional<Errc>{r.error().code};
  };
  EXPECT_EQ(code(kDsa), Errc::unsupported);
  EXPECT_EQ(code("no-pty " + std::string(kDsa)), Errc::unsupported);
  EXPECT_EQ(code("ssh-ed25519-cert-v01@openssh.com AAAA"), Errc::unsupported);
  EXPECT_EQ(code("ssh-ed25519"), Errc::bad_format);
  EXPECT_EQ(code("ssh-ed25519 "), Errc::bad_format);
  EXPECT_EQ(code("ssh-ed25519 AAAA*"), Errc::bad_format);
  EXPECT_EQ(code("ssh-ed25519 " + ed.substr(12, 20)), Errc::truncated);  // a cut blob
  // The blob says ssh-ed25519, the line says ssh-rsa or an ECDSA curve.
  EXPECT_EQ(code("ssh-rsa" + ed.substr(11)), Errc::bad_format);
  const std::string p256(kP256);
  EXPECT_EQ(code("ecdsa-sha2-nistp384" + p256.substr(19)), Errc::bad_format);
  EXPECT_EQ(code("just some words"), Errc::bad_format);
  EXPECT_EQ(code("no-pty"), Errc::bad_format);
  EXPECT_EQ(code("no-pty "), Errc::bad_format);
  EXPECT_EQ(code("no-pty ssh-ed25519"), Errc::bad_format);
  EXPECT_EQ(code(ed.substr(0, 40) + std::string(1, '\0') + ed.substr(40)), Errc::bad_format);
  // Blank and comment lines are not errors but nothing to find.
  EXPECT_EQ(code(""), Errc::not_found);
  EXPECT_EQ(code(" \t\r"), Errc::not_found);
  EXPECT_EQ(code("# " + ed), Errc::not_found);
  EXPECT_EQ(code("  #no-pty " + ed), Errc::not_found);
  EXPECT_EQ(code(std::string(70000, 'a')), Errc::too_large);
}

TEST(AuthorizedKeys, EveryTruncationIsAnErrorOrAKey) {
  const std::string line = "restrict,command=\"echo \\\"x\\\"\",from=\"10.0.0.0/8,*.example.com\","
                           "permitopen=\"[::1]:22\",expiry-time=\"20991231Z\",environment=\"A=b\" " +
                           std::string(kP521);
  for (std::size_t n = 0; n <= line.size(); ++n) {
    auto r = parse_authorized_key_line(std::string_view(line).substr(0, n));
    if (r) {
      EXPECT_GT(n, line.size() - 30) << n;  // only the comment may be cut
    }
  }
  EXPECT_TRUE(parse_authorized_key_line(line).has_value());
}

TEST(AuthorizedKeys, Flags) {
  const struct {
    std::string_view options;
    bool pty, port, agent, x11, rc, no_touch, verify, ca;
  } cases[] = {
      {"no-pty", false, true, true, true, true, false, false, false},
      {"no-port-forwarding", true, false, true, true, true, false, false, false},
      {"no-agent-forwarding", true, true, false, true, true, false, false, false},
      {"no-X11-forwarding", true, true, true, false, true, false, false, false},
      {"no-user-rc", true, true, true, true, false, false, false, false},
      {"no-touch-required", true, true, true, true, true, true, false, false},
      {"no-touch-required,touch-required", true, true, true, true, true, false, false, false},
      {"verify-required", true, true, true, true, true, false, true, false},
      {"verify-required,no-verify-required", true, true, true, true, true, false, false, false},
      {"cert-authority", true, true, true, true, true, false, false, true},
      // Case does not matter, in the "no-" either.
      {"NO-PTY,No-Port-Forwarding,nO-aGeNt-FoRwArDiNg", false, false, false, true, true, false, false, false},
      {"Cert-Authority,VERIFY-REQUIRED", true, true, true, true, true, false, true, true},
      // restrict clears every permission; permits after it set them again, before it
      // they are overridden.
      {"restrict", false, false, false, false, false, false, false, false},
      {"RESTRICT", false, false, false, false, false, false, false, false},
      {"restrict,pty", true, false, false, false, false, false, false, false},
      {"pty,restrict", false, false, false, false, false, false, false, false},
      {"restrict,port-forwarding,agent-forwarding,x11-forwarding,user-rc", false, true, true, true, true, false,
       false, false},
      {"restrict,no-pty,pty", true, false, false, false, false, false, false, false},
      {"restrict,pty,no-pty", false, false, false, false, false, false, false, false},
      // sshd accepts empty options between commas and a comma before the key.
      {"restrict,pty,,", true, false, false, false, false, false, false, false},
      {",pty", true, true, true, true, true, false, false, false},
      {"no-pty,", false, true, true, true, true, false, false, false},
  };
  for (const auto& c : cases) {
    const auto o = parse_ok(with_options(c.options)).options;
    EXPECT_EQ(o.pty, c.pty) << c.options;
    EXPECT_EQ(o.port_forwarding, c.port) << c.options;
    EXPECT_EQ(o.agent_forwarding, c.agent) << c.options;
    EXPECT_EQ(o.x11_forwarding, c.x11) << c.options;
    EXPECT_EQ(o.user_rc, c.rc) << c.options;
    EXPECT_EQ(o.no_touch_required, c.no_touch) << c.options;
    EXPECT_EQ(o.verify_required, c.verify) << c.options;
    EXPECT_EQ(o.cert_authority, c.ca) << c.options;
  }
}

TEST(AuthorizedKeys, UnknownAndMalformedOptions) {
  expect_bad_option("ptyx", "unknown option");
  expect_bad_option("no-restrict", "unknown option");
  expect_bad_option("no-cert-authority", "unknown option");
  expect_bad_option("pty=\"x\"", "unknown option");
  expect_bad_option("command", "unknown option");  // no '=': not the valued option
  expect_bad_option("frobnicate", "unknown option");
  expect_bad_option("no-pty;pty", "unknown option");
  expect_bad_option("command=abc", "command: missing start quote");
  expect_bad_option("command=", "command: missing start quote");
  expect_bad_option("environment=A=b", "environment: missing start quote");
  expect_bad_option("COMMAND=\"x\",command=\"y\"", "multiple \"command\" clauses");
  expect_bad_option("from=\"a\",from=\"b\"", "multiple \"from\" clauses");
  expect_bad_option("principals=\"a\",principals=\"b\"", "multiple \"principals\" clauses");
  // The option list ends at the first blank outside quotes: junk glued to a value is
  // an unknown option.
  expect_bad_option("command=\"x\"y", "unknown option");
  // An unterminated quote runs to the end of the line.
  const auto e = option_error("command=\"x");
  EXPECT_EQ(e.code, Errc::bad_format);
  EXPECT_NE(e.message.find("unterminated quote"), std::string::npos) << e.message;
  EXPECT_FALSE(parse_authorized_key_line("command=\"echo \\\" " + std::string(kEd25519)).has_value());
}

TEST(AuthorizedKeys, CommandQuoting) {
  EXPECT_EQ(*parse_ok(with_options(R"(command="echo \"hi there\"")")).options.command, R"(echo "hi there")");
  // Only '\"' is an escape: other backslashes stay as they are, blanks and commas are kept.
  EXPECT_EQ(*parse_ok(with_options(R"(command="a\\b\n c,d\"")")).options.command, R"(a\\b\n c,d")");
  EXPECT_EQ(*parse_ok(with_options(R"(command="")")).options.command, "");
  const auto k = parse_ok(with_options(R"(no-pty,command="ls -l \"/tmp\"",no-X11-forwarding)", kRsa));
  EXPECT_EQ(*k.options.command, R"(ls -l "/tmp")");
  EXPECT_FALSE(k.options.pty);
  EXPECT_FALSE(k.options.x11_forwarding);
  EXPECT_EQ(k.key.type(), KeyType::rsa);
  EXPECT_EQ(k.comment, "h3-k_rsab2048@test");
  EXPECT_EQ(*parse_ok(with_options(R"(principals="alice,bob")")).options.principals, "alice,bob");
}

TEST(AuthorizedKeys, Environment) {
  const auto o =
      parse_ok(with_options(R"(environment="PATH=/bin:/usr/bin",environment="A_1=x y",environment="1A=b")")).options;
  ASSERT_EQ(o.environment.size(), 3u);
  EXPECT_EQ(o.environment[0], "PATH=/bin:/usr/bin");
  EXPECT_EQ(o.environment[1], "A_1=x y");
  EXPECT_EQ(o.environment[2], "1A=b");
  // The first value for a name wins (sshd keeps it and drops the later one).
  const auto dup = parse_ok(with_options(R"(environment="A=1",environment="AB=3",environment="A=2")")).options;
  ASSERT_EQ(dup.environment.size(), 2u);
  EXPECT_EQ(dup.environment[0], "A=1");
  EXPECT_EQ(dup.environment[1], "AB=3");
  EXPECT_EQ(parse_ok(with_options(R"(environment="A=")")).options.environment[0], "A=");
  expect_bad_option(R"(environment="NOVALUE")", "invalid environment string");
  expect_bad_option(R"(environment="=x")", "invalid environment string");
  expect_bad_option(R"(environment="A-B=x")", "invalid environment string");
  expect_bad_option(R"(environment="A B=x")", "invalid environment string");
}

TEST(AuthorizedKeys, From) {
  EXPECT_EQ(*parse_ok(with_options(R"(from="*.example.com,!bad.example.com,10.0.0.0/8,2001:db8::/32")")).options.from,
            "*.example.com,!bad.example.com,10.0.0.0/8,2001:db8::/32");
  EXPECT_TRUE(parse_ok(with_options(R"(from="!10.0.0.0/8,*")")).options.from);
  // sshd refuses these at login as "invalid from criteria"; here the line is refused.
  expect_bad_option(R"(from="10.0.0.1/8")", "from:");
  expect_bad_option(R"(from="10.0.0.0/33")", "from:");
  expect_bad_option(R"(from="::1/127")", "from:");
  expect_bad_option(R"(from="127.0.0.0/8,")", "from:");
  expect_bad_option(R"(from="")", "from:");
  expect_bad_option(R"(from="a,,b")", "from:");
  expect_bad_option(R"(from="!")", "from:");
  // Not an address at all: a wildcard, fine.
  EXPECT_TRUE(parse_ok(with_options(R"(from="10.0.0.0/abc")")).options.from);
}

TEST(AuthorizedKeys, PermitOpenAndListen) {
  const auto o = parse_ok(with_options(
                              R"(permitopen="host:22",permitopen="[::1]:*",permitopen="host/22",permitopen=":22",)"
                              R"(permitlisten="8080",permitlisten="localhost:8080",permitlisten="*:*")"))
                     .options;
  ASSERT_EQ(o.permitopen.size(), 4u);
  EXPECT_EQ(o.permitopen[0], "host:22");
  EXPECT_EQ(o.permitopen[1], "[::1]:*");
  EXPECT_EQ(o.permitopen[2], "host/22");
  EXPECT_EQ(o.permitopen[3], ":22");
  ASSERT_EQ(o.permitlisten.size(), 3u);
  EXPECT_EQ(o.permitlisten[0], "*:8080");  // a bare port is recorded as sshd does
  EXPECT_EQ(o.permitlisten[1], "localhost:8080");
  EXPECT_EQ(o.permitlisten[2], "*:*");
  EXPECT_EQ(parse_ok(with_options(R"(permitopen="h:65535")")).options.permitopen[0], "h:65535");
  expect_bad_option(R"(permitopen="host")", "permitopen: invalid permission port");
  expect_bad_option(R"(permitopen="8080")", "permitopen: invalid permission port");
  expect_bad_option(R"(permitopen="host:0")", "permitopen: invalid permission port");
  expect_bad_option(R"(permitopen="host:65536")", "permitopen: invalid permission port");
  expect_bad_option(R"(permitopen="host:")", "permitopen: invalid permission port");
  expect_bad_option(R"(permitopen="host:22x")", "permitopen: invalid permission port");
  expect_bad_option(R"(permitopen="::1:22")", "permitopen: invalid permission port");
  expect_bad_option(R"(permitopen="[::1]x:22")", "permitopen: invalid permission hostname");
  expect_bad_option(R"(permitopen="[::1:22")", "permitopen: invalid permission hostname");
  expect_bad_option(R"(permitopen=")" + std::string(1025, 'h') + R"(:22")", "permitopen: invalid permission hostname");
  EXPECT_TRUE(parse_ok(with_options(R"(permitopen=")" + std::string(1024, 'h') + R"(:22")")).options.permitopen.size());
  expect_bad_option(R"(permitlisten="0")", "permitlisten: invalid permission port");
  // sshd would look "ssh" up in /etc/services; skiff wants a number.
  expect_bad_option(R"(permitopen="host:ssh")", "permitopen: invalid permission port");
}

TEST(AuthorizedKeys, ExpiryTime) {
  auto expiry = [](std::string_view value) {
    return parse_ok(with_options("expiry-time=\"" + std::string(value) + "\"")).options.expiry_time;
  };
  EXPECT_EQ(expiry("20991231235959Z"), 4102444799);
  EXPECT_EQ(expiry("20991231235959z"), 4102444799);
  EXPECT_EQ(expiry("20991231235959UTC"), 4102444799);
  EXPECT_EQ(expiry("203001020304Z"), 1893553440);
  EXPECT_EQ(expiry("20300102Z"), 1893542400);
  EXPECT_EQ(expiry("19700101000001Z"), 1);
  // Days past the end of the month roll over (strptime takes 31, mktime normalises):
  // sshd reported "expires at 2099-03-03T00:00:00" for this one.
  EXPECT_EQ(expiry("20990231UTC"), 4076179200);
  // The earliest of several wins.
  EXPECT_EQ(parse_ok(with_options(R"(expiry-time="20991231Z",expiry-time="20300102Z",expiry-time="20991231Z")"))
                .options.expiry_time,
            1893542400);
  for (std::string_view bad : {"19700101Z", "2099123", "209912311", "2099123123", "20991231235", "209912312359591",
                               "2099-1-1", "20991301", "20991232", "20991231246000", "abcdefgh", "Z", "", "UTC"}) {
    expect_bad_option("expiry-time=\"" + std::string(bad) + "\"", "expiry-time: invalid expires time");
  }
}

TEST(AuthorizedKeys, ExpiryTimeIsLocalWithoutZ) {
  const char* old = std::getenv("TZ");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  setenv("TZ", "EST5", 1);
  tzset();
  // TZ=EST5 date -d '2030-01-02 03:04:05' +%s
  const auto local = parse_ok(with_options(R"(expiry-time="20300102030405")")).options.expiry_time;
  const auto utc = parse_ok(with_options(R"(expiry-time="20300102030405Z")")).options.expiry_time;
  if (saved) {
    setenv("TZ", saved->c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_EQ(local, 1893571445);
  EXPECT_EQ(utc, 1893553445);
}

TEST(AuthorizedKeys, TunnelAndPrincipals) {
  EXPECT_EQ(*parse_ok(with_options(R"(tunnel="0")")).options.tunnel, "0");
  EXPECT_EQ(*parse_ok(with_options(R"(tunnel="ANY")")).options.tunnel, "ANY");
  EXPECT_EQ(*parse_ok(with_options(R"(tunnel="+5")")).options.tunnel, "+5");  // sshd: tun=5
  EXPECT_EQ(*parse_ok(with_options(R"(tunnel="1",tunnel="2")")).options.tunnel, "2");
  EXPECT_EQ(*parse_ok(with_options(R"(tunnel="2147483645")")).options.tunnel, "2147483645");
  expect_bad_option(R"(tunnel="2147483646")", "tunnel: invalid tun device");
  expect_bad_option(R"(tunnel="-1")", "tunnel: invalid tun device");
  expect_bad_option(R"(tunnel="tun0")", "tunnel: invalid tun device");
  expect_bad_option(R"(tunnel="")", "tunnel: invalid tun device");
  const auto ca = parse_ok(with_options(R"(cert-authority,principals="alice",from="10.0.0.0/8")", kP384)).options;
  EXPECT_TRUE(ca.cert_authority);
  EXPECT_EQ(*ca.principals, "alice");
}

TEST(AuthorizedKeys, OptionValuesWithBlanksBeforeKey) {
  // The key type word inside a quoted value does not start the key part.
  const auto k = parse_ok(with_options(R"(command="ssh-ed25519 AAAA x",from="*")", kP256));
  EXPECT_EQ(*k.options.command, "ssh-ed25519 AAAA x");
  EXPECT_EQ(k.key.type(), KeyType::ecdsa_p256);
  // A key type word used as an option is an unknown option.
  expect_bad_option("ssh-rsa", "unknown option");
}

TEST(AuthorizedKeys, WholeFile) {
  const std::string text = "# authorized_keys\n"
                           "\n" +
                           std::string(kEd25519) + "\r\n" +                                     // 3
                           "   \t\n"                                                             // 4
                           "no-pty,frob " + std::string(kRsa) + "\n" +                          // 5 bad
                           "restrict,command=\"uptime\" " + std::string(kP256) + "\r\n" +      // 6
                           "garbage line\n"                                                      // 7 bad
                           "  # indented comment\n" +                                            // 8
                           std::string(kDsa) + "\n" +                                            // 9 bad
                           "command=\"unterminated " + std::string(kP384) + "\n" +              // 10 bad
                           std::string(kP521);                                                   // 11, no newline
  const auto f = parse_authorized_keys(text, "/home/u/.ssh/authorized_keys");
  ASSERT_EQ(f.keys.size(), 3u);
  EXPECT_EQ(f.keys[0].line_number, 3u);
  EXPECT_EQ(f.keys[0].comment, "h3-k_ed25519@test");
  EXPECT_EQ(f.keys[1].line_number, 6u);
  EXPECT_EQ(*f.keys[1].options.command, "uptime");
  EXPECT_FALSE(f.keys[1].options.pty);
  EXPECT_EQ(f.keys[1].comment, "h3-k_ecdsab256@test");
  EXPECT_EQ(f.keys[2].line_number, 11u);
  EXPECT_EQ(f.keys[2].key.type(), KeyType::ecdsa_p521);
  ASSERT_EQ(f.problems.size(), 4u);
  const std::size_t lines[] = {5, 7, 9, 10};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(f.problems[i].line_number, lines[i]);
    const std::string prefix = "/home/u/.ssh/authorized_keys:" + std::to_string(lines[i]) + ": ";
    EXPECT_EQ(f.problems[i].message.substr(0, prefix.size()), prefix) << f.problems[i].message;
  }
  EXPECT_NE(f.problems[0].message.find("unknown option"), std::string::npos);
  EXPECT_NE(f.problems[2].message.find("not supported"), std::string::npos);
  EXPECT_NE(f.problems[3].message.find("unterminated quote"), std::string::npos);
}

TEST(AuthorizedKeys, HugeLineIsReportedAndSkipped) {
  const std::string huge = "command=\"" + std::string(1024 * 1024, 'x') + "\" " + std::string(kEd25519);
  const std::string text = std::string(kRsa) + "\n" + huge + "\n" + std::string(kP256) + "\n";
  const auto f = parse_authorized_keys(text, "ak");
  ASSERT_EQ(f.keys.size(), 2u);
  EXPECT_EQ(f.keys[0].line_number, 1u);
  EXPECT_EQ(f.keys[1].line_number, 3u);
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_EQ(f.problems[0].line_number, 2u);
  EXPECT_EQ(f.problems[0].message.substr(0, 5), "ak:2:");
  EXPECT_EQ(parse_authorized_key_line(huge).error().code, Errc::too_large);
}

TEST(AuthorizedKeys, EmptyFile) {
  EXPECT_TRUE(parse_authorized_keys("", "f").keys.empty());
  EXPECT_TRUE(parse_authorized_keys("", "f").problems.empty());
  const auto f = parse_authorized_keys("\n\n#\r\n", "f");
  EXPECT_TRUE(f.keys.empty());
  EXPECT_TRUE(f.problems.empty());
}
