// Identities as ssh 9.2 finds and loads them, over an in-memory file system.
#include "skiff/identities.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace skiff::cli {
namespace {

struct Fs {
  std::map<std::string, KeyFileData> files;
  std::vector<std::string> prompts;
  std::vector<std::string> answers;

  IdentitySources sources() {
    IdentitySources s;
    s.read_file = [this](const std::string& p) -> Result<KeyFileData> {
      auto it = files.find(p);
      if (it == files.end()) return fail(Errc::not_found, "No such file or directory");
      return it->second;
    };
    s.ask_passphrase = [this](std::string_view prompt) -> std::optional<std::string> {
      prompts.emplace_back(prompt);
      if (answers.empty()) return std::nullopt;
      auto a = answers.front();
      answers.erase(answers.begin());
      return a;
    };
    return s;
  }
};

config::ClientContext ctx() {
  config::ClientContext c;
  c.host = "h";
  c.local_user = "me";
  c.home = "/home/me";
  c.local_host = "box.example";
  c.local_short = "box";
  return c;
}

config::ClientConfig cfg(std::vector<std::string> files) {
  config::ClientConfig c;
  c.host = c.hostname = "h";
  c.user = "bob";
  c.identity_files = std::move(files);
  return c;
}

TEST(SkiffIdentities, DefaultOrderAndPublicKeys) {
  auto key = *PrivateKey::generate(KeyType::ed25519);
  Fs fs;
  fs.files["/home/me/.ssh/id_ed25519"] = {*key.to_file_text("secret"), 0600, true};
  fs.files["/home/me/.ssh/id_ed25519.pub"] = {key.public_key().to_openssh_line() + "\n", 0644, true};
  std::vector<std::string> defaults;
  for (auto f : kDefaultIdentityFiles) defaults.push_back("~/" + std::string(f));
  auto list = collect_identities(cfg(defaults), ctx(), fs.sources());
  ASSERT_EQ(list.identities.size(), 7u);
  EXPECT_EQ(list.identities[0].path(), "/home/me/.ssh/id_rsa");
  EXPECT_EQ(list.identities[3].path(), "/home/me/.ssh/id_ed25519");
  EXPECT_EQ(list.identities[6].path(), "/home/me/.ssh/id_dsa");
  EXPECT_FALSE(list.identities[0].user_provided());
  EXPECT_FALSE(list.identities[0].public_key());
  ASSERT_TRUE(list.identities[3].public_key());
  EXPECT_EQ(*list.identities[3].public_key(), key.public_key());
  EXPECT_TRUE(list.warnings.empty());
  EXPECT_TRUE(fs.prompts.empty());  // nothing is asked before the server wants the key
  EXPECT_EQ(find_identity(list, key.public_key()), &list.identities[3]);
  EXPECT_EQ(find_identity(list, PrivateKey::generate(KeyType::ed25519)->public_key()), nullptr);
}

TEST(SkiffIdentities, TokensAndPublicPartOfAnEncryptedOpenSshKey) {
  auto key = *PrivateKey::generate(KeyType::ecdsa_p256);
  Fs fs;
  fs.files["/home/me/keys/bob@h"] = {*key.to_file_text("pw"), 0600, true};
  auto list = collect_identities(cfg({"~/keys/%r@%h", "none", "/x/%z"}), ctx(), fs.sources());
  ASSERT_EQ(list.identities.size(), 1u);
  EXPECT_TRUE(list.identities[0].user_provided());
  ASSERT_TRUE(list.identities[0].public_key());  // no .pub: read from the openssh-key-v1 file
  EXPECT_EQ(*list.identities[0].public_key(), key.public_key());
  ASSERT_EQ(list.warnings.size(), 1u);  // the bad token
}

TEST(SkiffIdentities, PassphrasePromptsAsSsh) {
  auto key = *PrivateKey::generate(KeyType::ed25519);
  Fs fs;
  fs.files["/k"] = {*key.to_file_text("right"), 0600, true};
  Identity id("/k", true, key.public_key());
  std::vector<std::string> log;
  fs.answers = {"wrong", "right"};
  auto loaded = id.load_private(fs.sources(), 3, false, log);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->public_key(), key.public_key());
  EXPECT_EQ(fs.prompts,
            (std::vector<std::string>{"Enter passphrase for key '/k': ", "Enter passphrase for key '/k': "}));
  EXPECT_TRUE(log.empty());

  // An empty answer gives up on this key; so does the end of NumberOfPasswordPrompts.
  fs.prompts.clear();
  fs.answers = {""};
  EXPECT_FALSE(id.load_private(fs.sources(), 3, false, log));
  EXPECT_EQ(fs.prompts.size(), 1u);
  fs.prompts.clear();
  fs.answers = {"a", "b", "c", "d"};
  EXPECT_FALSE(id.load_private(fs.sources(), 2, false, log));
  EXPECT_EQ(fs.prompts.size(), 2u);
  // BatchMode: never asked.
  fs.prompts.clear();
  EXPECT_FALSE(id.load_private(fs.sources(), 3, true, log));
  EXPECT_TRUE(fs.prompts.empty());
}

TEST(SkiffIdentities, UnencryptedKeyLoadsWithoutPrompt) {
  auto key = *PrivateKey::generate(KeyType::ed25519);
  Fs fs;
  fs.files["/k"] = {*key.to_file_text(), 0600, true};
  std::vector<std::string> log;
  EXPECT_TRUE(Identity("/k", false, std::nullopt).load_private(fs.sources(), 3, false, log));
  EXPECT_TRUE(fs.prompts.empty());
}

TEST(SkiffIdentities, SshMessagesForBadFiles) {
  auto key = *PrivateKey::generate(KeyType::ed25519);
  Fs fs;
  fs.files["/open"] = {*key.to_file_text(), 0644, true};
  fs.files["/junk"] = {"not a key\n", 0600, true};
  std::vector<std::string> log;
  EXPECT_FALSE(Identity("/open", true, std::nullopt).load_private(fs.sources(), 3, false, log));
  EXPECT_EQ(log, (std::vector<std::string>{
                     "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
                     "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @",
                     "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
                     "Permissions 0644 for '/open' are too open.",
                     "It is required that your private key files are NOT accessible by others.",
                     "This private key will be ignored.", "Load key \"/open\": bad permissions"}));
  log.clear();
  EXPECT_FALSE(Identity("/junk", true, std::nullopt).load_private(fs.sources(), 3, false, log));
  EXPECT_EQ(log, (std::vector<std::string>{"Load key \"/junk\": error in libcrypto"}));  // as ssh 9.2 says
  log.clear();
  EXPECT_FALSE(Identity("/gone", true, std::nullopt).load_private(fs.sources(), 3, false, log));
  EXPECT_EQ(log, (std::vector<std::string>{"no such identity: /gone: No such file or directory"}));
  log.clear();
  EXPECT_FALSE(Identity("/gone", false, std::nullopt).load_private(fs.sources(), 3, false, log));
  EXPECT_TRUE(log.empty());  // default files that do not exist are not mentioned

  // Collecting says nothing about a file that is not a key (ssh 9.2 neither).
  auto list = collect_identities(cfg({"/junk"}), ctx(), fs.sources());
  EXPECT_TRUE(list.warnings.empty());
  ASSERT_EQ(list.identities.size(), 1u);
  EXPECT_FALSE(list.identities[0].public_key());
}

}  // namespace
}  // namespace skiff::cli
