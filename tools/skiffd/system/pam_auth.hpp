// PAM for skiffd: one transaction per connection (pam_start with the service "skiffd" and
// the user name the client gave), used for password and keyboard-interactive checks
// (auth and account stages, new-authtok-required answered by a password change), and for
// the session stage (setcred, open_session ... close_session) after authentication.
// Only built with SKIFF_HAVE_PAM.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "system/privileged.hpp"

namespace skiff::skiffd {

class PamContext {
 public:
  // rhost: the client's address (PAM_RHOST). disallow_null: !PermitEmptyPasswords.
  static Result<std::unique_ptr<PamContext>> start(const std::string& service, const std::string& user,
                                                   const std::string& rhost, bool disallow_null);
  ~PamContext();
  PamContext(const PamContext&) = delete;
  PamContext& operator=(const PamContext&) = delete;

  // Password: every hidden prompt of the auth stage is answered with password; when the
  // account stage says the password expired, new_password (if given) is set through
  // pam_chauthtok ("current"/"old" prompts get the password), else the conversation ends
  // with PasswordChangeRequired. force_reject: the answer is Rejected whatever PAM says
  // (unknown or refused user; the work is the same).
  Result<std::unique_ptr<AuthConversation>> password(SecretString password, std::optional<SecretString> new_password,
                                                     bool force_reject);
  // A conversation must be destroyed before this context.
  // Keyboard-interactive: PAM's prompts are relayed as INFO_REQUESTs, the text messages
  // before them become the instruction.
  Result<std::unique_ptr<AuthConversation>> keyboard_interactive(bool force_reject);

  // Account stage for methods PAM did not see (publickey); quick. Errc::invalid_argument
  // with PAM's reason when refused. Done once.
  Result<void> account();
  // pam_setcred(ESTABLISH) and pam_open_session; closed by the destructor.
  Result<void> open_session();
  // PAM_TTY (a pty's name, "ssh" otherwise).
  void set_tty(const std::string& tty);
  // pam_getenvlist(): what modules set for the session ("N=V").
  std::vector<std::string> environment() const;

  struct State;  // the handle and what was done with it (pam_auth.cpp)

 private:
  explicit PamContext(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace skiff::skiffd
