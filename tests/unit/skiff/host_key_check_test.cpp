// Host key verification against texts captured from OpenSSH 9.2's ssh (Debian
// 1:9.2p1-2+deb12u10) talking to a private sshd on 127.0.0.1:31692 whose ED25519 host
// key is kHostKey.
#include "skiff/host_key_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skiff::cli {
namespace {

constexpr const char* kHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEYH/g4Mza6DgfPUMIXsjCChKp0Fr2976QBCT6GeJN1i";
constexpr const char* kOtherKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPgzf7dDgN3zBEXkgK02sI6ABLtmOSscuYlWotwA5NPg";
constexpr const char* kFingerprint = "SHA256:0V2ikhxVsT/KXMZhYsIBbj0+xmW7FiQ8CJEmfODv0/U";
constexpr const char* kRandomart =
    "+--[ED25519 256]--+\n"
    "|   ...ooooo.+..  |\n"
    "|   .o ++ O + +   |\n"
    "|    .+  O @ O o  |\n"
    "|     . . = X * . |\n"
    "|      . S * o *  |\n"
    "|     . . o = * . |\n"
    "|      o .   E    |\n"
    "|       .   .     |\n"
    "|                 |\n"
    "+----[SHA256]-----+";

struct Run {
  std::vector<std::string> log;  // "E: ", "I: ", "F: " + line
  std::vector<std::string> prompts;
  std::vector<std::string> answers;
  std::vector<std::pair<std::string, std::string>> appended;
  HostKeyDecision decision;
};

HostKeyQuery query(config::StrictHostKeyChecking strict, std::optional<std::string> user_text) {
  HostKeyQuery q{.host = "127.0.0.1", .address = "127.0.0.1", .port = 31692, .key = *PublicKey::parse(kHostKey)};
  q.user_files.push_back({"/tmp/cli_cap/kh", std::move(user_text)});
  q.strict = strict;
  q.home = "/root";
  return q;
}

Run run(const HostKeyQuery& q, std::vector<std::string> answers = {}, UnsafeContinuation unsafe = {}) {
  Run r;
  r.answers = std::move(answers);
  std::size_t next = 0;
  HostKeyUi ui;
  ui.log = [&](LogLevel l, std::string_view m) {
    r.log.push_back(std::string(l == LogLevel::error ? "E: " : l == LogLevel::info ? "I: " : "F: ") + std::string(m));
  };
  ui.ask = [&](std::string_view p) -> std::optional<std::string> {
    r.prompts.emplace_back(p);
    if (next >= r.answers.size()) return std::nullopt;
    return r.answers[next++];
  };
  ui.append = [&](const std::string& path, std::string_view line) {
    r.appended.emplace_back(path, std::string(line));
    return true;
  };
  r.decision = verify_host_key(q, unsafe, ui);
  return r;
}

const std::vector<std::string> kChangedBlock = {
    "E: @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "E: @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
    "E: @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "E: IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
    "E: Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
    "E: It is also possible that a host key has just been changed.",
    "E: The fingerprint for the ED25519 key sent by the remote host is\n"
    "SHA256:0V2ikhxVsT/KXMZhYsIBbj0+xmW7FiQ8CJEmfODv0/U.",
    "E: Please contact your system administrator.",
    "E: Add correct host key in /tmp/cli_cap/kh to get rid of this message.",
    "E: Offending ED25519 key in /tmp/cli_cap/kh:2",
    "E:   remove with:",
    "E:   ssh-keygen -f \"/tmp/cli_cap/kh\" -R \"[127.0.0.1]:31692\"",
};

std::string changed_file() {
  return std::string("otherhost ") + kHostKey + "\n[127.0.0.1]:31692 " + kOtherKey + "\n";
}

TEST(SkiffHostKey, AcceptNewRecordsTheKey) {
  auto r = run(query(config::StrictHostKeyChecking::accept_new, std::nullopt));
  EXPECT_TRUE(r.decision.accepted);
  EXPECT_TRUE(r.prompts.empty());
  ASSERT_EQ(r.appended.size(), 1u);
  EXPECT_EQ(r.appended[0].first, "/tmp/cli_cap/kh");
  EXPECT_EQ(r.appended[0].second, std::string("[127.0.0.1]:31692 ") + kHostKey + "\n");
  EXPECT_EQ(r.log, (std::vector<std::string>{
                       "I: Warning: Permanently added '[127.0.0.1]:31692' (ED25519) to the list of known hosts."}));
}

TEST(SkiffHostKey, HashKnownHostsWritesAHashedName) {
  auto q = query(config::StrictHostKeyChecking::no, std::string());
  q.hash_known_hosts = true;
  auto r = run(q);
  ASSERT_EQ(r.appended.size(), 1u);
  EXPECT_TRUE(r.appended[0].second.starts_with("|1|")) << r.appended[0].second;
  // And the hashed line is honoured next time.
  auto again = run(query(config::StrictHostKeyChecking::yes, r.appended[0].second));
  EXPECT_TRUE(again.decision.accepted);
  EXPECT_TRUE(again.log.empty());
}

TEST(SkiffHostKey, StrictRefusesAnUnknownHost) {
  auto r = run(query(config::StrictHostKeyChecking::yes, std::nullopt));
  EXPECT_FALSE(r.decision.accepted);
  EXPECT_TRUE(r.appended.empty());
  EXPECT_EQ(r.log, (std::vector<std::string>{"E: No ED25519 host key is known for [127.0.0.1]:31692 and you have "
                                             "requested strict checking.",
                                             "F: Host key verification failed."}));
}

TEST(SkiffHostKey, ChangedKeyIsRefused) {
  for (auto strict : {config::StrictHostKeyChecking::ask, config::StrictHostKeyChecking::accept_new,
                      config::StrictHostKeyChecking::yes}) {
    auto r = run(query(strict, changed_file()));
    EXPECT_FALSE(r.decision.accepted);
    EXPECT_TRUE(r.prompts.empty());
    auto expected = kChangedBlock;
    expected.push_back("E: Host key for [127.0.0.1]:31692 has changed and you have requested strict checking.");
    expected.push_back("F: Host key verification failed.");
    EXPECT_EQ(r.log, expected);
  }
}

TEST(SkiffHostKey, ChangedKeyWithStrictOffGoesOnWithoutPasswords) {
  auto r = run(query(config::StrictHostKeyChecking::no, changed_file()), {},
               UnsafeContinuation{.password_auth = true, .kbd_interactive_auth = true});
  EXPECT_TRUE(r.decision.accepted);
  EXPECT_TRUE(r.decision.disable_password_auth);
  EXPECT_TRUE(r.decision.disable_kbd_interactive_auth);
  EXPECT_TRUE(r.appended.empty());
  auto expected = kChangedBlock;
  expected.push_back("E: Password authentication is disabled to avoid man-in-the-middle attacks.");
  expected.push_back("E: Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.");
  EXPECT_EQ(r.log, expected);
}

// Captured with the other key in GlobalKnownHostsFile and an empty user file: the hint
// names the user file, "Offending" and "remove with" the global one.
TEST(SkiffHostKey, ChangedKeyInTheGlobalFile) {
  auto q = query(config::StrictHostKeyChecking::no, std::string());
  q.system_files.push_back({"/tmp/cli_cap/gk", std::string("[127.0.0.1]:31692 ") + kOtherKey + "\n"});
  auto r = run(q, {}, UnsafeContinuation{.password_auth = false, .kbd_interactive_auth = false});
  EXPECT_TRUE(r.decision.accepted);
  auto expected = kChangedBlock;
  expected[9] = "E: Offending ED25519 key in /tmp/cli_cap/gk:1";
  expected[11] = "E:   ssh-keygen -f \"/tmp/cli_cap/gk\" -R \"[127.0.0.1]:31692\"";
  EXPECT_EQ(r.log, expected);
}

TEST(SkiffHostKey, AskShowsFingerprintArtAndOtherNames) {
  auto q = query(config::StrictHostKeyChecking::ask, std::string("otherhost,alias2 ") + kHostKey + "\n");
  q.visual_host_key = true;
  auto r = run(q, {"no"});
  EXPECT_FALSE(r.decision.accepted);
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_EQ(r.prompts[0], std::string("The authenticity of host '[127.0.0.1]:31692 ([127.0.0.1]:31692)' can't be "
                                      "established.\n"
                                      "ED25519 key fingerprint is ") +
                              kFingerprint + ".\n" + kRandomart +
                              "\nThis host key is known by the following other names/addresses:\n"
                              "    /tmp/cli_cap/kh:1: otherhost,alias2\n"
                              "Are you sure you want to continue connecting (yes/no/[fingerprint])? ");
  EXPECT_EQ(r.log, (std::vector<std::string>{"F: Host key verification failed."}));
}

TEST(SkiffHostKey, AskReasksThenAccepts) {
  auto r = run(query(config::StrictHostKeyChecking::ask, std::nullopt), {"maybe", "  YES  "});
  EXPECT_TRUE(r.decision.accepted);
  ASSERT_EQ(r.prompts.size(), 2u);
  EXPECT_EQ(r.prompts[0], std::string("The authenticity of host '[127.0.0.1]:31692 ([127.0.0.1]:31692)' can't be "
                                      "established.\nED25519 key fingerprint is ") +
                              kFingerprint +
                              ".\nThis key is not known by any other names.\n"
                              "Are you sure you want to continue connecting (yes/no/[fingerprint])? ");
  EXPECT_EQ(r.prompts[1], "Please type 'yes', 'no' or the fingerprint: ");
  EXPECT_EQ(r.log, (std::vector<std::string>{
                       "I: Warning: Permanently added '[127.0.0.1]:31692' (ED25519) to the list of known hosts."}));
  EXPECT_EQ(r.appended.size(), 1u);
}

TEST(SkiffHostKey, TypingTheFingerprintAccepts) {
  auto r = run(query(config::StrictHostKeyChecking::ask, std::nullopt), {kFingerprint});
  EXPECT_TRUE(r.decision.accepted);
  auto wrong = run(query(config::StrictHostKeyChecking::ask, std::nullopt), {"SHA256:nope", ""});
  EXPECT_FALSE(wrong.decision.accepted);
  EXPECT_EQ(wrong.prompts.size(), 2u);
}

TEST(SkiffHostKey, NoTerminalOrBatchModeMeansNo) {
  auto none = run(query(config::StrictHostKeyChecking::ask, std::nullopt));  // ask gives nullopt
  EXPECT_FALSE(none.decision.accepted);
  auto q = query(config::StrictHostKeyChecking::ask, std::nullopt);
  q.batch_mode = true;
  auto batch = run(q, {"yes"});
  EXPECT_FALSE(batch.decision.accepted);
  EXPECT_TRUE(batch.prompts.empty());
}

TEST(SkiffHostKey, KnownKeyUnderPlainNameServesAnyPort) {
  auto q = query(config::StrictHostKeyChecking::yes, std::string("127.0.0.1 ") + kHostKey + "\n");
  q.visual_host_key = true;
  auto r = run(q);
  EXPECT_TRUE(r.decision.accepted);
  EXPECT_EQ(r.log, (std::vector<std::string>{std::string("I: Host key fingerprint is ") + kFingerprint + "\n" +
                                             kRandomart}));
  // Port 22 files under the bare name; HostKeyAlias under the alias alone.
  auto p22 = query(config::StrictHostKeyChecking::yes, std::string("127.0.0.1 ") + kHostKey + "\n");
  p22.port = 22;
  EXPECT_TRUE(run(p22).decision.accepted);
  auto alias = query(config::StrictHostKeyChecking::yes, std::string("box ") + kHostKey + "\n");
  alias.host_key_alias = "box";
  EXPECT_TRUE(run(alias).decision.accepted);
}

TEST(SkiffHostKey, RevokedKeyIsRefused) {
  auto r = run(query(config::StrictHostKeyChecking::ask, std::string("@revoked * ") + kHostKey + "\n"));
  EXPECT_FALSE(r.decision.accepted);
  ASSERT_GE(r.log.size(), 2u);
  EXPECT_EQ(r.log[1], "E: @       WARNING: REVOKED HOST KEY DETECTED!               @");
  EXPECT_EQ(r.log[r.log.size() - 2],
            "E: ED25519 host key for [127.0.0.1]:31692 was revoked and you have requested strict checking.");
}

// As ssh 9.2: a known key of another type is a changed key, not a first contact
// (captured: "Offending RSA key in /tmp/cli_cap/uk2:1" for an ED25519 server).
TEST(SkiffHostKey, KeyOfAnotherTypeCountsAsChanged) {
  const std::string rsa =
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDLnswR5uxpDz1q4czN3YYljnkjFj6BhlLxOMNu/ehTvTtm/K4dHRubo8HZcjN5PRUpO8W+"
      "XHfebEywqhNDdxERTfT1wzH9qIkPXk9UgwbjPB1Uw6BkOF1tmnw1TeupHkuj9sthurPUdO9K2hZun6EryrBr9X5/MEv03pKfzApZ"
      "7Q==";
  auto r = run(query(config::StrictHostKeyChecking::ask, "[127.0.0.1]:31692 " + rsa + "\n"), {"no"});
  EXPECT_FALSE(r.decision.accepted);
  EXPECT_TRUE(r.prompts.empty());
  auto expected = kChangedBlock;
  expected[9] = "E: Offending RSA key in /tmp/cli_cap/kh:1";
  expected.push_back("E: Host key for [127.0.0.1]:31692 has changed and you have requested strict checking.");
  expected.push_back("F: Host key verification failed.");
  EXPECT_EQ(r.log, expected);
}

TEST(SkiffHostKey, ManyOtherNamesAreCut) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "h" + std::to_string(i) + " " + kHostKey + "\n";
  auto r = run(query(config::StrictHostKeyChecking::ask, text), {"no"});
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_NE(r.prompts[0].find("    /tmp/cli_cap/kh:8: h7\n    (2 additional names omitted)\n"), std::string::npos);
}

}  // namespace
}  // namespace skiff::cli

namespace skiff::cli {
namespace {

TEST(SkiffHostKey, QueryFromConfiguration) {
  config::ClientConfig cfg;
  cfg.hostname = "Box.Example.ORG";
  cfg.port = 2200;
  cfg.user_known_hosts_files = {"/home/u/.ssh/known_hosts", "/home/u/.ssh/known_hosts2"};
  cfg.global_known_hosts_files = {"none"};
  cfg.strict_host_key_checking = config::StrictHostKeyChecking::accept_new;
  cfg.hash_known_hosts = true;
  cfg.other["hostkeyalias"] = {"Alias"};
  auto q = make_host_key_query(cfg, "192.0.2.1", *PublicKey::parse(kHostKey), "/home/u",
                               [](const std::string& p) -> std::optional<std::string> {
                                 if (p.ends_with("known_hosts")) return std::string("x ") + kHostKey + "\n";
                                 return std::nullopt;
                               });
  EXPECT_EQ(q.host, "box.example.org");
  EXPECT_EQ(q.host_key_alias, "alias");
  EXPECT_EQ(q.port, 2200);
  ASSERT_EQ(q.user_files.size(), 2u);
  EXPECT_TRUE(q.user_files[0].text);
  EXPECT_FALSE(q.user_files[1].text);
  EXPECT_TRUE(q.system_files.empty());  // "none"
  EXPECT_TRUE(q.hash_known_hosts);

  auto u = unsafe_continuation(cfg);
  EXPECT_TRUE(u.password_auth);
  EXPECT_TRUE(u.update_host_keys);  // the default files: UpdateHostKeys is on
  EXPECT_FALSE(u.port_forwards);
  cfg.other["localforward"] = {"1 h:2"};
  cfg.other["updatehostkeys"] = {"no"};
  u = unsafe_continuation(cfg);
  EXPECT_TRUE(u.port_forwards);
  EXPECT_FALSE(u.update_host_keys);
}

}  // namespace
}  // namespace skiff::cli
