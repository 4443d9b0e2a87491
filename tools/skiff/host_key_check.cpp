#include "host_key_check.hpp"

#include <strings.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>

#include "common/tty.hpp"
#include "crypto/hash.hpp"
#include "keys/fingerprint.hpp"
#include "keys/known_hosts.hpp"
#include "keys/ssh_key.hpp"

namespace skiff::cli {
namespace {

using config::StrictHostKeyChecking;

struct Parsed {
  const std::string* path;
  keys::KnownHostsFile file;
};

std::string_view label(crypto::KeyType t) {
  switch (t) {
    case crypto::KeyType::ed25519:
      return "ED25519";
    case crypto::KeyType::rsa:
      return "RSA";
    default:
      return "ECDSA";
  }
}

struct Hit {
  const std::string* path = nullptr;
  const keys::KnownHostEntry* entry = nullptr;
};

enum class Status : std::uint8_t { ok, changed, revoked, fresh };

struct Lookup {
  Status status = Status::fresh;
  Hit found;  // ok: the matching line; changed: the last line with another key of the type
};

// As ssh's check_hostkeys_by_key_or_type: a line with this key is a match; otherwise
// any other key for the name, of whatever type, makes it "changed" (the last such line
// is the one reported); a revoked line for the key wins over everything.
Lookup lookup(const std::vector<Parsed>& files, const std::string& name, const wire::Bytes& blob) {
  Lookup r;
  for (const auto& f : files) {
    for (const auto& e : f.file.entries) {
      if (e.marker == keys::KnownHostMarker::revoked && keys::known_host_entry_matches(e, name) &&
          keys::encode_public_blob(e.key) == blob) {
        return {Status::revoked, {f.path, &e}};
      }
    }
  }
  for (const auto& f : files) {
    for (const auto& e : f.file.entries) {
      if (e.marker != keys::KnownHostMarker::none || !keys::known_host_entry_matches(e, name)) continue;
      if (keys::encode_public_blob(e.key) == blob) return {Status::ok, {f.path, &e}};
      r = {Status::changed, {f.path, &e}};
    }
  }
  return r;
}

std::string randomart_of(const crypto::PublicKey& key, const wire::Bytes& blob) {
  crypto::Hash h(crypto::HashAlg::sha256);
  h.update(blob);
  auto digest = h.finish();
  return keys::randomart(digest, keys::key_size_title(key.type(), key.bits()), "SHA256");
}

// $HOME/x as ~/x (ssh's try_tilde_unexpand).
std::string tilde_unexpand(const std::string& path, const std::string& home) {
  if (path.empty() || path[0] != '/' || home.empty() || !path.starts_with(home)) return path;
  std::size_t l = home.size();
  if (home.back() != '/' && path.size() > l && path[l] != '/') return path;
  if (home.back() != '/' && path.size() == l) return path;
  if (path.size() > l && path[l] == '/') ++l;
  return "~/" + path.substr(l);
}

// "This key is not known by any other names." or the list of lines holding the same key
// under names that do not cover this host (ssh shows at most 8).
std::string other_names(const std::vector<Parsed>& files, const std::string& name, const wire::Bytes& blob,
                        const std::string& home) {
  std::vector<std::string> names;
  for (const auto& f : files) {
    for (const auto& e : f.file.entries) {
      if (e.marker != keys::KnownHostMarker::none || keys::known_host_entry_matches(e, name)) continue;
      if (keys::encode_public_blob(e.key) != blob) continue;
      names.push_back(tilde_unexpand(*f.path, home) + ":" + std::to_string(e.line_number) + ": " +
                      (e.hashed ? std::string("[hashed name]") : e.hosts));
    }
  }
  if (names.empty()) return "This key is not known by any other names.";
  std::string msg = "This host key is known by the following other names/addresses:";
  constexpr std::size_t kMaxOtherNames = 8;
  for (std::size_t i = 0; i < names.size() && i < kMaxOtherNames; ++i) msg += "\n    " + names[i];
  if (names.size() > kMaxOtherNames) {
    msg += "\n    (" + std::to_string(names.size() - kMaxOtherNames) + " additional names omitted)";
  }
  return msg;
}

// ssh's confirm(): yes, no (or nothing), or the fingerprint itself.
bool confirm(const HostKeyUi& ui, const std::string& prompt, const std::string* fingerprint, bool batch) {
  if (batch || !ui.ask) return false;
  std::string msg = prompt;
  for (;;) {
    auto answer = ui.ask(msg);
    if (!answer) return false;
    std::string_view a = *answer;
    auto start = a.find_first_not_of(" \t");
    a = start == std::string_view::npos ? std::string_view{} : a.substr(start);
    a = a.substr(0, a.find_first_of(" \t\n"));
    const std::string word(a);
    if (word.empty() || strcasecmp(word.c_str(), "no") == 0) return false;
    if (strcasecmp(word.c_str(), "yes") == 0 || (fingerprint && word == *fingerprint)) return true;
    msg = fingerprint ? "Please type 'yes', 'no' or the fingerprint: " : "Please type 'yes' or 'no': ";
  }
}

}  // namespace

std::string_view key_type_label(KeyType type) {
  switch (type) {
    case KeyType::ed25519:
      return "ED25519";
    case KeyType::rsa:
      return "RSA";
    default:
      return "ECDSA";
  }
}

HostKeyDecision verify_host_key(const HostKeyQuery& q, const UnsafeContinuation& unsafe, const HostKeyUi& ui) {
  HostKeyDecision d;
  auto info = [&](std::string_view m) {
    if (ui.log) ui.log(LogLevel::info, m);
  };
  auto error = [&](std::string_view m) {
    if (ui.log) ui.log(LogLevel::error, m);
  };
  auto refuse = [&] {
    if (ui.log) ui.log(LogLevel::fatal, "Host key verification failed.");
    return HostKeyDecision{};
  };

  const wire::Bytes blob = q.key.blob();
  auto decoded = keys::decode_public_blob(blob);
  if (!decoded) return refuse();
  const crypto::PublicKey& key = *decoded;
  const std::string type(label(key.type()));
  const std::string fp = q.key.fingerprint();

  std::vector<Parsed> files;
  for (const auto* list : {&q.user_files, &q.system_files}) {
    for (const auto& f : *list) {
      if (f.text) files.push_back({&f.path, keys::parse_known_hosts(*f.text, f.path)});
    }
  }

  const std::string name = q.host_key_alias ? *q.host_key_alias : keys::known_hosts_name(q.host, q.port);
  const std::string ip =
      q.address.empty() ? std::string("<no hostip for proxy command>") : keys::known_hosts_name(q.address, q.port);
  // ssh never writes a name that a known_hosts line could not hold.
  const bool readonly =
      q.user_files.empty() || q.host.find_first_of("@?*#[]|'\"\\") != std::string::npos;

  auto visual = [&] { info("Host key fingerprint is " + fp + "\n" + randomart_of(key, blob)); };

  Lookup found = lookup(files, name, blob);
  if (found.status == Status::fresh && !q.host_key_alias && q.port != 22) {
    // A key filed under the plain name is good for any port.
    Lookup plain = lookup(files, keys::known_hosts_name(q.host, 22), blob);
    if (plain.status == Status::ok) found = plain;
  }

  const bool strict_off = q.strict == StrictHostKeyChecking::no;
  switch (found.status) {
    case Status::ok:
      if (q.visual_host_key) visual();
      d.accepted = true;
      return d;

    case Status::fresh: {
      if (readonly) return refuse();
      if (q.strict == StrictHostKeyChecking::yes) {
        error("No " + type + " host key is known for " + name + " and you have requested strict checking.");
        return refuse();
      }
      if (q.strict == StrictHostKeyChecking::ask) {
        std::string msg = "The authenticity of host '" + name + " (" + ip + ")' can't be established";
        // (ssh's show_other_keys() looks in the same entries, which are empty here: its
        // "but keys of different type are already known" never shows.)
        msg += ".";
        msg += "\n" + type + " key fingerprint is " + fp + ".";
        if (q.visual_host_key) msg += "\n" + randomart_of(key, blob);
        msg += "\n" + other_names(files, name, blob, q.home);
        msg += "\nAre you sure you want to continue connecting (yes/no/[fingerprint])? ";
        if (!confirm(ui, msg, &fp, q.batch_mode)) return refuse();
      }
      const std::string entry = keys::add_known_host("", name, key, q.hash_known_hosts);
      if (ui.append && ui.append(q.user_files.front().path, entry)) {
        info("Warning: Permanently added '" + name + "' (" + type + ") to the list of known hosts.");
      } else {
        info("Failed to add the host to the list of known hosts (" + q.user_files.front().path + ").");
      }
      d.accepted = true;
      return d;
    }

    case Status::revoked:
      error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
      error("@       WARNING: REVOKED HOST KEY DETECTED!               @");
      error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
      error("The " + type + " host key for " + name + " is marked as revoked.");
      error("This could mean that a stolen key is being used to");
      error("impersonate this host.");
      if (!strict_off) {
        error(type + " host key for " + name + " was revoked and you have requested strict checking.");
        return refuse();
      }
      break;

    case Status::changed: {
      error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
      error("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @");
      error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
      error("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!");
      error("Someone could be eavesdropping on you right now (man-in-the-middle attack)!");
      error("It is also possible that a host key has just been changed.");
      error("The fingerprint for the " + type + " key sent by the remote host is\n" + fp + ".");
      error("Please contact your system administrator.");
      if (!q.user_files.empty() || !q.system_files.empty()) {
        const std::string& first = q.user_files.empty() ? q.system_files.front().path : q.user_files.front().path;
        error("Add correct host key in " + first.substr(0, 100) + " to get rid of this message.");
      }
      const std::string where = *found.found.path + ":" + std::to_string(found.found.entry->line_number);
      error("Offending " + std::string(label(found.found.entry->key.type())) + " key in " + where);
      // Debian's hint.
      error("  remove with:");
      error("  ssh-keygen -f \"" + *found.found.path + "\" -R \"" + name + "\"");
      if (!strict_off) {
        error("Host key for " + name + " has changed and you have requested strict checking.");
        return refuse();
      }
      break;
    }
  }

  // Accepted although the key is not trusted: nothing a man in the middle could use.
  bool cancelled = false;
  if (unsafe.password_auth) {
    error("Password authentication is disabled to avoid man-in-the-middle attacks.");
    d.disable_password_auth = true;
    cancelled = true;
  }
  if (unsafe.kbd_interactive_auth) {
    error("Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.");
    d.disable_kbd_interactive_auth = true;
    cancelled = true;
  }
  if (unsafe.forward_agent) {
    error("Agent forwarding is disabled to avoid man-in-the-middle attacks.");
    cancelled = true;
  }
  if (unsafe.forward_x11) {
    error("X11 forwarding is disabled to avoid man-in-the-middle attacks.");
    cancelled = true;
  }
  if (unsafe.port_forwards) {
    error("Port forwarding is disabled to avoid man-in-the-middle attacks.");
    cancelled = true;
  }
  if (unsafe.tunnel) {
    error("Tunnel forwarding is disabled to avoid man-in-the-middle attacks.");
    cancelled = true;
  }
  if (unsafe.update_host_keys) error("UpdateHostkeys is disabled because the host key is not trusted.");
  d.disable_forwarding = unsafe.forward_agent || unsafe.forward_x11 || unsafe.port_forwards || unsafe.tunnel;
  if (unsafe.exit_on_forward_failure && cancelled) {
    if (ui.log) ui.log(LogLevel::fatal, "Error: forwarding disabled due to host key check failure");
    return HostKeyDecision{};
  }
  d.accepted = true;
  return d;
}

HostKeyQuery make_host_key_query(const config::ClientConfig& cfg, std::string_view address, PublicKey key,
                                 std::string home,
                                 const std::function<std::optional<std::string>(const std::string&)>& read_file) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  HostKeyQuery q{.host = cfg.hostname, .address = std::string(address), .port = cfg.port, .key = std::move(key)};
  // ssh keeps addresses as written (they are canonicalised instead).
  const bool is_address = cfg.hostname.find(':') != std::string::npos ||
                          cfg.hostname.find_first_not_of("0123456789.") == std::string::npos;
  if (!is_address) q.host = lower(q.host);
  if (auto alias = cfg.get("hostkeyalias")) q.host_key_alias = lower(*alias);
  auto files = [&](const std::vector<std::string>& paths, std::vector<KnownHostsText>& out) {
    if (paths.size() == 1 && paths[0] == "none") return;
    for (const auto& p : paths) out.push_back({p, read_file(p)});
  };
  files(cfg.user_known_hosts_files, q.user_files);
  files(cfg.global_known_hosts_files, q.system_files);
  q.strict = cfg.strict_host_key_checking;
  q.hash_known_hosts = cfg.hash_known_hosts;
  q.visual_host_key = cfg.visual_host_key;
  q.batch_mode = cfg.batch_mode;
  q.home = std::move(home);
  return q;
}

UnsafeContinuation unsafe_continuation(const config::ClientConfig& cfg) {
  auto on = [&](std::string_view k) {
    auto v = cfg.get(k);
    return v && (*v == "yes" || *v == "true");
  };
  UnsafeContinuation u;
  u.password_auth = cfg.password_authentication;
  u.kbd_interactive_auth = cfg.kbd_interactive_authentication;
  auto agent = cfg.get("forwardagent");
  u.forward_agent = agent && *agent != "no" && *agent != "false";
  u.forward_x11 = on("forwardx11");
  u.port_forwards = cfg.other.contains("localforward") || cfg.other.contains("remoteforward");
  auto tunnel = cfg.get("tunnel");
  u.tunnel = tunnel && *tunnel != "no" && *tunnel != "false";
  // UpdateHostKeys defaults to on with the default UserKnownHostsFile (as -G shows).
  if (auto v = cfg.get("updatehostkeys")) {
    u.update_host_keys = *v != "no" && *v != "false";
  } else {
    const auto& uk = cfg.user_known_hosts_files;
    const bool default_files = !uk.empty() && uk.size() <= 2 && uk[0].ends_with("/.ssh/known_hosts") &&
                               (uk.size() == 1 || uk[1].ends_with("/.ssh/known_hosts2"));
    u.update_host_keys = default_files && !on("verifyhostkeydns");
  }
  u.exit_on_forward_failure = on("exitonforwardfailure");
  return u;
}

HostKeyUi system_host_key_ui(std::string home, std::function<void(LogLevel, std::string_view)> log) {
  HostKeyUi ui;
  ui.log = std::move(log);
  ui.ask = [](std::string_view prompt) { return tools::read_passphrase(prompt, {.echo = true, .require_tty = true}); };
  ui.append = [home = std::move(home)](const std::string& path, std::string_view line) {
    // As ssh: only ~/.ssh itself is created, and only when the file is directly in it.
    const std::string dot_ssh = home + "/.ssh";
    if (path.rfind('/') == dot_ssh.size() && path.starts_with(dot_ssh)) {
      struct stat st {};
      if (stat(dot_ssh.c_str(), &st) != 0 && errno == ENOENT) mkdir(dot_ssh.c_str(), 0700);
    }
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (!f) return false;
    bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size();
    return std::fclose(f) == 0 && ok;
  };
  return ui;
}

}  // namespace skiff::cli
