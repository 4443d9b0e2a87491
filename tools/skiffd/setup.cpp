#include "setup.hpp"

#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "crypto/secure.hpp"
#include "io/file_io.hpp"
#include "server_options.hpp"
#include "wire/limits.hpp"

namespace skiffd {
namespace {

using skiff::config::ServerConfigFile;

std::unexpected<SetupFailure> failure(int code, std::string message) {
  return std::unexpected(SetupFailure{code, std::move(message)});
}

skiff::Result<std::vector<skiff::config::IncludedFile>> resolve_include(std::string_view pattern) {
  std::vector<skiff::config::IncludedFile> out;
  glob_t g{};
  const std::string pat(pattern);
  const int rc = glob(pat.c_str(), 0, nullptr, &g);
  if (rc == GLOB_NOMATCH) return out;
  if (rc != 0) {
    globfree(&g);
    return skiff::fail(skiff::Errc::io_error, "glob failed");
  }
  for (std::size_t i = 0; i < g.gl_pathc && out.size() < skiff::limits::kMaxConfigFiles; ++i) {
    auto text = skiff::io::read_file(g.gl_pathv[i], skiff::limits::kMaxConfigFileBytes);
    if (!text) {
      globfree(&g);
      return std::unexpected(text.error());
    }
    out.push_back({g.gl_pathv[i], std::move(*text)});
  }
  globfree(&g);
  return out;
}

bool exists(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0;
}

// The command-line lines, in sshd's precedence: they come before the file, first wins.
std::vector<std::string> command_line_lines(const Options& o) {
  std::vector<std::string> lines = o.settings;
  if (o.address_family) lines.push_back("AddressFamily " + *o.address_family);
  for (auto p : o.ports) lines.push_back("Port " + std::to_string(p));
  for (const auto& h : o.host_keys) lines.push_back("HostKey " + h);
  if (o.login_grace_time) lines.push_back("LoginGraceTime " + std::to_string(*o.login_grace_time));
  if (o.debug > 0) lines.push_back("LogLevel DEBUG" + std::to_string(o.debug));
  else if (o.quiet) lines.push_back("LogLevel QUIET");
  return lines;
}

// sshd's start-up sanity checks: failures it cannot serve around.
std::optional<std::string> check_sensible(const skiff::config::ServerConfig& c) {
  if (!c.authorized_keys_command.empty() && c.authorized_keys_command_user.empty()) {
    return "AuthorizedKeysCommand set without AuthorizedKeysCommandUser";
  }
  if (c.authentication_methods.empty()) return std::nullopt;
  auto enabled = [&](std::string_view method) {
    method = method.substr(0, method.find(':'));  // "keyboard-interactive:pam"
    if (method == "publickey") return c.pubkey_authentication;
    if (method == "password") return c.password_authentication;
    if (method == "keyboard-interactive") return c.kbd_interactive_authentication;
    return false;  // hostbased, gssapi-with-mic: not in skiff
  };
  std::string report;
  for (const auto& list : c.authentication_methods) {
    if (list == "any") return std::nullopt;
    bool all = true;
    for (std::size_t p = 0; p <= list.size();) {
      const auto comma = std::min(list.find(',', p), list.size());
      const std::string_view m = std::string_view(list).substr(p, comma - p);
      if (!enabled(m)) {
        report += "Disabled method \"" + std::string(m) + "\" in AuthenticationMethods list \"" + list + "\"\n";
        all = false;
      }
      p = comma + 1;
    }
    if (all) return std::nullopt;
  }
  return report + "AuthenticationMethods cannot be satisfied by enabled authentication methods";
}

}  // namespace

LogSettings log_settings_for(const Options& o, const skiff::config::ServerConfig& config) {
  LogSettings s;
  s.level = log_level_from_name(config.log_level).value_or(LogLevel::info);
  s.to_stderr = o.log_stderr || o.debug > 0;
  s.file = o.log_file;
  s.facility = syslog_facility_from_name(config.syslog_facility);
  return s;
}

std::expected<Setup, SetupFailure> load_configuration(const Options& options) {
  Setup s;
  s.options = options;
  s.ordinary_user = getuid() != 0;
  if (s.ordinary_user) {
    const passwd* pw = getpwuid(getuid());
    if (pw == nullptr) return failure(255, "No user exists for uid " + std::to_string(getuid()));
    s.user_name = pw->pw_name;
    s.state_dir = std::string(pw->pw_dir) + "/.skiff/skiffd";
  }

  std::string text;
  if (options.config_file) {
    s.config_name = *options.config_file;
  } else {
    s.config_name = s.ordinary_user ? s.state_dir + "/skiffd_config" : kSystemConfigFile;
    // The default file is optional: skiffd runs on its built-in defaults without it.
    if (!exists(s.config_name)) s.config_name = "none";
  }
  if (s.config_name != "none") {
    auto got = skiff::io::read_file(s.config_name, skiff::limits::kMaxConfigFileBytes);
    if (!got) {
      if (got.error().code == skiff::Errc::not_found) return failure(1, s.config_name + ": No such file or directory");
      return failure(1, got.error().message);
    }
    text = std::move(*got);
  }

  std::vector<std::string> lines = command_line_lines(options);
  const bool cmdline_ports = !options.ports.empty();
  auto parsed = ServerConfigFile::parse(s.config_name, text, resolve_include, lines, cmdline_ports);
  if (!parsed) {
    // sshd checks each -o as it reads the flags and stops at the first bad one (exit 1).
    const std::string& m = parsed.error().message;
    if (m.starts_with("command-line: line 0: ")) return failure(1, m.substr(0, m.find('\n')));
    return failure(255, m);
  }

  // The mode's defaults where neither the command line nor the file says otherwise.
  std::vector<std::string> defaults;
  const std::string dir = s.ordinary_user ? s.state_dir : kSystemHostKeyDir;
  if (!parsed->sets("hostkey")) {
    s.default_host_keys = true;
    // sshd's order for root; an ordinary user's keys are made ed25519 first.
    const char* kinds_root[] = {"rsa", "ecdsa", "ed25519"};
    const char* kinds_user[] = {"ed25519", "ecdsa", "rsa"};
    for (const char* k : s.ordinary_user ? kinds_user : kinds_root) {
      defaults.push_back("HostKey " + dir + "/ssh_host_" + k + "_key");
    }
  }
  if (!parsed->sets("pidfile")) {
    defaults.push_back("PidFile " + (s.ordinary_user ? s.state_dir + "/skiffd.pid" : std::string(kSystemPidFile)));
  }
  if (s.ordinary_user && !parsed->sets("port") && !cmdline_ports) {
    defaults.push_back("Port " + std::to_string(kUserDefaultPort));
  }
  if (!defaults.empty()) {
    lines.insert(lines.end(), defaults.begin(), defaults.end());
    parsed = ServerConfigFile::parse(s.config_name, text, resolve_include, lines, cmdline_ports);
    if (!parsed) return failure(255, parsed.error().message);
  }
  auto global = parsed->global();
  if (!global) return failure(255, global.error().message);
  if (auto why = check_sensible(*global)) return failure(255, *why);
  s.file = std::move(*parsed);
  s.config = std::move(*global);
  s.log = log_settings_for(options, s.config);
  return s;
}

std::expected<void, SetupFailure> prepare_user_files(const Setup& s) {
  if (!s.ordinary_user) return {};
  // The PidFile and the default keys live here.
  const std::string parent = s.state_dir.substr(0, s.state_dir.rfind('/'));
  for (const std::string& d : {parent, s.state_dir}) {
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
      return failure(1, "Could not create directory " + d + ": " + std::strerror(errno));
    }
  }
  if (!s.default_host_keys) return {};
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string comment = s.user_name + "@" + host;
  for (const auto& path : s.config.host_keys) {
    if (exists(path)) continue;
    const skiff::KeyType type = path.ends_with("_rsa_key")     ? skiff::KeyType::rsa
                                : path.ends_with("_ecdsa_key") ? skiff::KeyType::ecdsa_p256
                                                               : skiff::KeyType::ed25519;
    auto key = skiff::PrivateKey::generate(type);
    if (!key) return failure(1, "Could not generate host key " + path + ": " + key.error().message);
    auto text = key->to_file_text({}, skiff::PrivateKeyFormat::openssh, comment);
    if (!text) return failure(1, "Could not encode host key " + path + ": " + text.error().message);
    if (auto w = skiff::io::write_file_atomic(path, *text, 0600); !w) return failure(1, w.error().message);
    const std::string pub = key->public_key().to_openssh_line() + " " + comment + "\n";
    if (auto w = skiff::io::write_file_atomic(path + ".pub", pub, 0644); !w) return failure(1, w.error().message);
    SKIFFD_LOG(info, "Generated host key %s", path.c_str());
  }
  return {};
}

std::expected<void, SetupFailure> load_host_keys(Setup& s) {
  s.host_keys.clear();
  std::vector<std::string> texts;  // for the timing secret; wiped below
  for (const auto& path : s.config.host_keys) {
    struct stat st{};
    if (stat(path.c_str(), &st) == 0 && st.st_uid == getuid() && (st.st_mode & 077) != 0) {
      SKIFFD_LOG(error,
                 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                 "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n"
                 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                 "Permissions 0%3.3o for '%s' are too open.\n"
                 "It is required that your private key files are NOT accessible by others.\n"
                 "This private key will be ignored.",
                 static_cast<unsigned>(st.st_mode & 0777), path.c_str());
      SKIFFD_LOG(error, "Unable to load host key \"%s\": bad permissions", path.c_str());
      SKIFFD_LOG(error, "Unable to load host key: %s", path.c_str());
      continue;
    }
    auto key = skiff::PrivateKey::load(path);
    if (!key) {
      if (key.error().code != skiff::Errc::not_found) {
        SKIFFD_LOG(error, "Unable to load host key \"%s\": %s", path.c_str(), key.error().message.c_str());
      }
      SKIFFD_LOG(error, "Unable to load host key: %s", path.c_str());
      continue;
    }
    SKIFFD_LOG(debug1, "private host key #%zu: %s %s", s.host_keys.size(), key->type_name().c_str(),
               key->public_key().fingerprint().c_str());
    s.host_keys.push_back(std::move(*key));
    if (auto text = skiff::io::read_file(path, skiff::limits::kMaxKeyFileBytes)) texts.push_back(std::move(*text));
  }
  s.timing_secret = timing_secret_from(texts);
  for (auto& t : texts) skiff::crypto::wipe(t.data(), t.size());
  if (s.host_keys.empty()) return failure(1, "skiffd: no hostkeys available -- exiting.");
  return {};
}

}  // namespace skiffd
