#include "session_policy.hpp"

#include <strings.h>

#include <cctype>
#include <csignal>

namespace skiff::cli {

Result<void> check_session(const SessionFacts& f) {
  if (f.has_command && f.has_remote_command) {
    return fail(Errc::invalid_argument, "Cannot execute command-line and remote command.");
  }
  if (f.fork_after_auth && !f.has_command && !f.has_remote_command && !f.session_none) {
    return fail(Errc::invalid_argument, "Cannot fork into background without a command to execute.");
  }
  return {};
}

void adjust_config(config::ClientConfig& cfg, const SessionFacts& f, bool stdio_forward) {
  auto is_yes = [](const std::optional<std::string>& v) { return v && (*v == "yes" || *v == "true"); };
  if (stdio_forward) {
    for (auto k : {"clearallforwardings", "exitonforwardfailure"}) {
      if (!cfg.get(k)) cfg.other[k] = {"yes"};
    }
  }
  if (is_yes(cfg.get("clearallforwardings"))) {
    for (auto k : {"localforward", "remoteforward", "dynamicforward"}) cfg.other.erase(k);
  }
  if (auto it = cfg.other.find("hostkeyalias"); it != cfg.other.end()) {
    for (char& c : it->second.front()) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (cfg.get("updatehostkeys") == "ask") {
    auto persist = cfg.get("controlpersist");
    bool persisting = persist && *persist != "no" && *persist != "false" && *persist != "0" && cfg.get("controlpath");
    bool quiet = cfg.log_level == "QUIET" || cfg.log_level == "FATAL" || cfg.log_level == "ERROR";
    if (persisting || f.has_command || f.has_remote_command || cfg.request_tty == config::RequestTty::no || quiet) {
      cfg.other["updatehostkeys"] = {"no"};
    }
  }
}

bool is_yes_no(std::string_view v) {
  for (std::string_view w : {"yes", "no", "true", "false"}) {
    if (v.size() == w.size() && strncasecmp(v.data(), w.data(), w.size()) == 0) return true;
  }
  return false;
}

TtyDecision decide_tty(config::RequestTty request, const SessionFacts& f) {
  using config::RequestTty;
  TtyDecision d;
  bool tty = request == RequestTty::yes || request == RequestTty::force;
  if (!f.has_command && !f.has_remote_command) tty = request != RequestTty::no;
  if (request == RequestTty::no || f.mux_non_proxy || f.session_none) tty = false;
  if ((!f.stdin_is_tty || f.stdin_null) && request != RequestTty::force) {
    d.warn_not_terminal = tty;
    tty = false;
  }
  d.request_pty = tty;
  return d;
}

std::optional<unsigned char> active_escape_char(int escape_char, bool have_pty) {
  if (!have_pty || escape_char < 0) return std::nullopt;
  return static_cast<unsigned char>(escape_char);
}

int exit_status_for(const SessionEnd& end) {
  if (end.local_signal != 0) return end.local_signal == SIGTERM && end.session_none ? 0 : 255;
  if (end.exit_status) return static_cast<int>(*end.exit_status & 0xff);
  return 255;
}

std::string connection_closed_message(std::string_view host) {
  return "Connection to " + std::string(host) + " closed.";
}

}  // namespace skiff::cli
