// Passwords and keyboard-interactive through the real "skiffd" PAM service
// (config/pam.d/skiffd installed by scripts/setup.sh). Needs root (pam_unix reads the
// shadow file). An unknown user is always tried; a real login only when
// SKIFF_PAM_USER and SKIFF_PAM_PASSWORD name an account and its password, and the same
// account is then checked against the shadow file with PAM off.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "system/local_privileged.hpp"
#include "system_test_util.hpp"

using namespace skiff::skiffd;
using skiffd_test::wait_state;

namespace {

bool pam_usable() {
#ifdef SKIFF_HAVE_PAM
  return ::geteuid() == 0 && std::filesystem::exists("/etc/pam.d/skiffd");
#else
  return false;
#endif
}

std::shared_ptr<const skiff::config::ServerConfigFile> config_of(const std::string& text) {
  auto none = [](std::string_view) -> skiff::Result<std::vector<skiff::config::IncludedFile>> {
    return std::vector<skiff::config::IncludedFile>{};
  };
  auto f = skiff::config::ServerConfigFile::parse("test_config", text, none);
  return std::make_shared<const skiff::config::ServerConfigFile>(std::move(*f));
}

Peer test_peer() { return Peer{"192.0.2.7", 50022, "192.0.2.7", "192.0.2.1", 2222}; }

ServerLog quiet_log() { return ServerLog({LogLevel::quiet, -1, false, false, ""}); }

template <class T>
bool is(const ConversationState& s) {
  return std::holds_alternative<T>(s);
}

const char* env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

TEST(SkiffdPam, UnknownUserIsRejectedAfterTheSameWork) {
  if (!pam_usable()) GTEST_SKIP() << "needs root and /etc/pam.d/skiffd";
  ServerLog log = quiet_log();
  LocalPrivileged priv({config_of("UsePAM yes\n"), test_peer()}, log);
  ASSERT_TRUE(priv.begin_user("no-such-user-skiffd"));
  EXPECT_TRUE(priv.keyboard_interactive_available());
  auto conv = priv.start_password("whatever", std::nullopt);
  ASSERT_TRUE(conv) << conv.error().message;
  EXPECT_TRUE(is<conversation::Rejected>(wait_state(**conv)));
}

TEST(SkiffdPam, KeyboardInteractiveRelaysPromptsForUnknownUser) {
  if (!pam_usable()) GTEST_SKIP() << "needs root and /etc/pam.d/skiffd";
  ServerLog log = quiet_log();
  LocalPrivileged priv({config_of("UsePAM yes\n"), test_peer()}, log);
  ASSERT_TRUE(priv.begin_user("no-such-user-skiffd"));
  auto conv = priv.start_keyboard_interactive();
  ASSERT_TRUE(conv) << conv.error().message;
  auto s = wait_state(**conv);
  ASSERT_TRUE(is<conversation::Prompts>(s));
  const auto& req = std::get<conversation::Prompts>(s).request;
  ASSERT_EQ(req.prompts.size(), 1u);
  EXPECT_EQ(req.prompts[0].text, "Password: ");
  EXPECT_FALSE(req.prompts[0].echo);
  EXPECT_FALSE((*conv)->answer({}));  // not as many answers as prompts
  ASSERT_TRUE((*conv)->answer({"guess"}));
  EXPECT_FALSE((*conv)->answer({"again"}));  // nothing is waiting any more
  EXPECT_TRUE(is<conversation::Rejected>(wait_state(**conv)));
}

TEST(SkiffdPam, CancelledConversationEndsCleanly) {
  if (!pam_usable()) GTEST_SKIP() << "needs root and /etc/pam.d/skiffd";
  ServerLog log = quiet_log();
  LocalPrivileged priv({config_of("UsePAM yes\n"), test_peer()}, log);
  ASSERT_TRUE(priv.begin_user("no-such-user-skiffd"));
  auto conv = priv.start_keyboard_interactive();
  ASSERT_TRUE(conv);
  ASSERT_TRUE(is<conversation::Prompts>(wait_state(**conv)));
  conv->reset();  // the client went away mid-prompt: must not hang
}

TEST(SkiffdPam, RealAccountPasswordAndKeyboardInteractive) {
  if (!pam_usable()) GTEST_SKIP() << "needs root and /etc/pam.d/skiffd";
  const char* user = env_or_null("SKIFF_PAM_USER");
  const char* password = env_or_null("SKIFF_PAM_PASSWORD");
  if (user == nullptr || password == nullptr) GTEST_SKIP() << "set SKIFF_PAM_USER and SKIFF_PAM_PASSWORD";
  for (const char* use_pam : {"yes", "no"}) {
    SCOPED_TRACE(std::string("UsePAM ") + use_pam);
    skiffd_test::TempDir dir;
    std::string logfile = dir.path() + "/log";
    ServerLog log({LogLevel::info, -1, false, false, logfile});
    auto cfg = config_of(std::string("UsePAM ") + use_pam + "\n");
    {
      LocalPrivileged priv({cfg, test_peer()}, log);
      ASSERT_TRUE(priv.begin_user(user));
      auto wrong = priv.start_password("not the password", std::nullopt);
      ASSERT_TRUE(wrong);
      EXPECT_TRUE(is<conversation::Rejected>(wait_state(**wrong)));
      wrong->reset();
      auto right = priv.start_password(password, std::nullopt);
      ASSERT_TRUE(right);
      EXPECT_TRUE(is<conversation::Accepted>(wait_state(**right)));
      right->reset();
      ASSERT_TRUE(priv.authenticated(AuthMethod::password, {}));
    }
    EXPECT_NE(skiffd_test::read_text(logfile).find("Accepted password for " + std::string(user) +
                                                    " from 192.0.2.7 port 50022 ssh2"),
              std::string::npos);
    if (std::string(use_pam) == "no") continue;
    LocalPrivileged priv({cfg, test_peer()}, log);
    ASSERT_TRUE(priv.begin_user(user));
    auto conv = priv.start_keyboard_interactive();
    ASSERT_TRUE(conv);
    ASSERT_TRUE(is<conversation::Prompts>(wait_state(**conv)));
    ASSERT_TRUE((*conv)->answer({password}));
    EXPECT_TRUE(is<conversation::Accepted>(wait_state(**conv)));
  }
}

// A throwaway account whose password must be changed (`chage -d 0`): the password
// method answers with a change request, and the change goes through pam_chauthtok. The
// account's password is SKIFF_PAM_PASSWORD afterwards + "-new".
TEST(SkiffdPam, ExpiredPasswordIsChanged) {
  if (!pam_usable()) GTEST_SKIP() << "needs root and /etc/pam.d/skiffd";
  const char* user = env_or_null("SKIFF_PAM_CHANGE_USER");
  const char* password = env_or_null("SKIFF_PAM_PASSWORD");
  if (user == nullptr || password == nullptr) GTEST_SKIP() << "set SKIFF_PAM_CHANGE_USER (expired) and SKIFF_PAM_PASSWORD";
  std::string new_password = std::string(password) + "-new";
  ServerLog log = quiet_log();
  auto cfg = config_of("UsePAM yes\n");
  {
    LocalPrivileged priv({cfg, test_peer()}, log);
    ASSERT_TRUE(priv.begin_user(user));
    auto conv = priv.start_password(password, std::nullopt);
    ASSERT_TRUE(conv);
    auto s = wait_state(**conv);
    ASSERT_TRUE(is<conversation::PasswordChangeRequired>(s));
    EXPECT_FALSE(std::get<conversation::PasswordChangeRequired>(s).prompt.empty());
    conv->reset();
    conv = priv.start_password(password, skiff::auth::SecretString(new_password));
    ASSERT_TRUE(conv);
    EXPECT_TRUE(is<conversation::Accepted>(wait_state(**conv)));
  }
  LocalPrivileged priv({cfg, test_peer()}, log);
  ASSERT_TRUE(priv.begin_user(user));
  auto conv = priv.start_password(skiff::auth::SecretString(new_password), std::nullopt);
  ASSERT_TRUE(conv);
  EXPECT_TRUE(is<conversation::Accepted>(wait_state(**conv)));
}
