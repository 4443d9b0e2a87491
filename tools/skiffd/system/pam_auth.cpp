#ifdef SKIFF_HAVE_PAM

#include "system/pam_auth.hpp"

#include <security/pam_appl.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "crypto/secure.hpp"
#include "wire/limits.hpp"
#include "system/conversation_thread.hpp"

namespace skiff::skiffd {

struct PamContext::State {
  pam_handle_t* handle = nullptr;
  // A conversation's worker is using the handle (PAM handles are not thread-safe).
  std::atomic<bool> busy{false};
  int last = PAM_SUCCESS;
  int flags = 0;
  bool account_done = false;
  bool session_open = false;
  bool cred_set = false;
};

namespace {

// What one conversation function call needs, set as PAM_CONV's appdata.
struct ConvData {
  bool interactive = false;
  ConversationLink* link = nullptr;
  const SecretString* password = nullptr;
  const SecretString* new_password = nullptr;
  bool changing = false;  // inside pam_chauthtok
  std::string info;       // PAM's text messages not shown yet
};

// The failure delay is the core's job (ServerAuth holds every failure to the same
// minimum); a module's sleep would only block this connection's worker thread.
void no_fail_delay(int, unsigned, void*) {}

void free_responses(pam_response* r, int n) {
  if (r == nullptr) return;
  for (int i = 0; i < n; ++i) {
    if (r[i].resp != nullptr) {
      crypto::wipe(r[i].resp, std::strlen(r[i].resp));
      std::free(r[i].resp);
    }
  }
  std::free(r);
}

bool asks_for_old_password(std::string_view prompt) {
  std::string lower;
  for (char c : prompt) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower.find("current") != std::string::npos || lower.find("old") != std::string::npos;
}

int converse(int n, const pam_message** msg, pam_response** resp, void* appdata) {
  auto* d = static_cast<ConvData*>(appdata);
  if (n <= 0 || static_cast<std::size_t>(n) > limits::kMaxKbdIntPrompts) return PAM_CONV_ERR;
  auto* r = static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(n), sizeof(pam_response)));
  if (r == nullptr) return PAM_BUF_ERR;
  auto text_of = [&](int i) { return std::string(msg[i]->msg != nullptr ? msg[i]->msg : ""); };

  if (!d->interactive) {
    for (int i = 0; i < n; ++i) {
      switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_OFF: {
          const SecretString* answer = d->password;
          if (d->changing && !asks_for_old_password(text_of(i))) answer = d->new_password;
          if (answer == nullptr || (r[i].resp = ::strdup(answer->c_str())) == nullptr) {
            free_responses(r, n);
            return PAM_CONV_ERR;
          }
          break;
        }
        case PAM_ERROR_MSG:
        case PAM_TEXT_INFO:
          d->info += text_of(i) + "\n";
          break;
        default:  // a visible question cannot be answered with a password
          free_responses(r, n);
          return PAM_CONV_ERR;
      }
    }
    *resp = r;
    return PAM_SUCCESS;
  }

  auth::InfoRequest request;
  std::vector<int> prompt_index;
  for (int i = 0; i < n; ++i) {
    switch (msg[i]->msg_style) {
      case PAM_PROMPT_ECHO_OFF:
      case PAM_PROMPT_ECHO_ON:
        request.prompts.push_back({text_of(i), msg[i]->msg_style == PAM_PROMPT_ECHO_ON});
        prompt_index.push_back(i);
        break;
      case PAM_ERROR_MSG:
      case PAM_TEXT_INFO:
        d->info += text_of(i) + "\n";
        break;
      default:
        free_responses(r, n);
        return PAM_CONV_ERR;
    }
  }
  if (!request.prompts.empty()) {
    request.instruction = std::move(d->info);
    d->info.clear();
    auto answers = d->link->ask(conversation::Prompts{std::move(request)});
    if (!answers || answers->size() != prompt_index.size()) {
      free_responses(r, n);
      return PAM_CONV_ERR;
    }
    for (std::size_t k = 0; k < prompt_index.size(); ++k) {
      if ((r[prompt_index[k]].resp = ::strdup((*answers)[k].c_str())) == nullptr) {
        free_responses(r, n);
        return PAM_BUF_ERR;
      }
    }
  }
  *resp = r;
  return PAM_SUCCESS;
}

// The auth and account stages (and a password change when the account needs one), run
// on the conversation's worker thread.
ConversationState run_check(PamContext::State* st, ConvData& d, bool has_new_password,
                            bool force_reject) {
  pam_conv conv{converse, &d};
  st->last = pam_set_item(st->handle, PAM_CONV, &conv);
  if (st->last != PAM_SUCCESS) {
    st->busy = false;
    return conversation::Rejected{};
  }
  st->last = pam_authenticate(st->handle, st->flags);
  bool ok = st->last == PAM_SUCCESS;
  if (ok) {
    st->last = pam_acct_mgmt(st->handle, st->flags);
    if (st->last == PAM_NEW_AUTHTOK_REQD) {
      if (!d.interactive && !has_new_password) {
        pam_conv none{nullptr, nullptr};
        pam_set_item(st->handle, PAM_CONV, &none);
        st->busy = false;
        if (force_reject) return conversation::Rejected{};
        std::string prompt = d.info.empty() ? "Password change required.\n" : d.info;
        return conversation::PasswordChangeRequired{std::move(prompt)};
      }
      d.changing = true;
      st->last = pam_chauthtok(st->handle, PAM_CHANGE_EXPIRED_AUTHTOK);
      d.changing = false;
    }
    ok = st->last == PAM_SUCCESS;
    st->account_done = ok;
  }
  // The conversation data dies with this call: PAM must not call it afterwards.
  pam_conv none{nullptr, nullptr};
  pam_set_item(st->handle, PAM_CONV, &none);
  st->busy = false;
  if (ok && !force_reject) return conversation::Accepted{};
  return conversation::Rejected{};
}

}  // namespace

PamContext::PamContext(std::unique_ptr<State> s) : s_(std::move(s)) {}

Result<std::unique_ptr<PamContext>> PamContext::start(const std::string& service, const std::string& user,
                                                      const std::string& rhost, bool disallow_null) {
  auto st = std::make_unique<State>();
  pam_conv none{nullptr, nullptr};
  int r = pam_start(service.c_str(), user.c_str(), &none, &st->handle);
  if (r != PAM_SUCCESS) return fail(Errc::io_error, "pam_start: " + std::string(pam_strerror(nullptr, r)));
  pam_set_item(st->handle, PAM_RHOST, rhost.c_str());
  pam_set_item(st->handle, PAM_TTY, "ssh");
  pam_set_item(st->handle, PAM_FAIL_DELAY, reinterpret_cast<const void*>(&no_fail_delay));
  st->flags = disallow_null ? PAM_DISALLOW_NULL_AUTHTOK : 0;
  return std::unique_ptr<PamContext>(new PamContext(std::move(st)));
}

PamContext::~PamContext() {
  if (s_->session_open) s_->last = pam_close_session(s_->handle, PAM_SILENT);
  if (s_->cred_set) pam_setcred(s_->handle, PAM_DELETE_CRED | PAM_SILENT);
  pam_end(s_->handle, s_->last);
}

Result<std::unique_ptr<AuthConversation>> PamContext::password(SecretString password,
                                                              std::optional<SecretString> new_password,
                                                              bool force_reject) {
  // The worker uses the handle until the conversation is destroyed (it joins the
  // thread); the owner of this context destroys conversations first.
  State* st = s_.get();
  if (st->busy.exchange(true)) return fail(Errc::protocol_error, "a PAM conversation is still running");
  auto conv = start_conversation([st, pw = std::move(password), npw = std::move(new_password),
                             force_reject](ConversationLink& link) {
    ConvData d;
    d.link = &link;
    d.password = &pw;
    d.new_password = npw ? &*npw : nullptr;
    return run_check(st, d, npw.has_value(), force_reject);
  });
  if (!conv) st->busy = false;
  return conv;
}

Result<std::unique_ptr<AuthConversation>> PamContext::keyboard_interactive(bool force_reject) {
  State* st = s_.get();
  if (st->busy.exchange(true)) return fail(Errc::protocol_error, "a PAM conversation is still running");
  auto conv = start_conversation([st, force_reject](ConversationLink& link) {
    ConvData d;
    d.interactive = true;
    d.link = &link;
    return run_check(st, d, false, force_reject);
  });
  if (!conv) st->busy = false;
  return conv;
}

Result<void> PamContext::account() {
  if (s_->busy) return fail(Errc::protocol_error, "a PAM conversation is still running");
  if (s_->account_done) return {};
  pam_conv none{nullptr, nullptr};
  pam_set_item(s_->handle, PAM_CONV, &none);
  s_->last = pam_acct_mgmt(s_->handle, s_->flags);
  if (s_->last != PAM_SUCCESS)
    return fail(Errc::invalid_argument, std::string("PAM account: ") + pam_strerror(s_->handle, s_->last));
  s_->account_done = true;
  return {};
}

Result<void> PamContext::open_session() {
  if (s_->busy) return fail(Errc::protocol_error, "a PAM conversation is still running");
  if (s_->session_open) return {};
  s_->last = pam_setcred(s_->handle, PAM_ESTABLISH_CRED);
  if (s_->last != PAM_SUCCESS)
    return fail(Errc::invalid_argument, std::string("pam_setcred: ") + pam_strerror(s_->handle, s_->last));
  s_->cred_set = true;
  s_->last = pam_open_session(s_->handle, 0);
  if (s_->last != PAM_SUCCESS)
    return fail(Errc::invalid_argument, std::string("pam_open_session: ") + pam_strerror(s_->handle, s_->last));
  s_->session_open = true;
  return {};
}

void PamContext::set_tty(const std::string& tty) { pam_set_item(s_->handle, PAM_TTY, tty.c_str()); }

std::vector<std::string> PamContext::environment() const {
  std::vector<std::string> out;
  char** list = pam_getenvlist(s_->handle);
  if (list == nullptr) return out;
  for (char** p = list; *p != nullptr; ++p) {
    out.emplace_back(*p);
    std::free(*p);
  }
  std::free(list);
  return out;
}

}  // namespace skiff::skiffd

#endif  // SKIFF_HAVE_PAM
