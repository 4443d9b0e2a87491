// authorized_keys lines as sshd 9.2 reads them (auth2-pubkeyfile.c, auth-options.c):
// a line is first tried as a bare key; only when that fails is its first word (up to
// unquoted whitespace) taken as the option list and the key read after it. Option names
// are matched case-insensitively as prefixes, the way sshd does, so "ptyx" is the flag
// "pty" followed by junk and refused as such.
#include "keys/authorized_keys.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "keys/host_patterns.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"

namespace skiff::keys {
namespace {

// sshd's caps on repeated list options (auth-options.h); it checks the count before
// adding, so one more than the cap still gets in.
constexpr std::size_t kMaxEnvironment = 1024;
constexpr std::size_t kMaxPermits = 4096;
constexpr std::size_t kMaxPermitHost = 1024;  // NI_MAXHOST - 1
constexpr long long kMaxTunnel = 0x7fffffff - 2;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != lower(prefix[i])) return false;
  }
  return true;
}

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

std::string quoted_excerpt(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out = "\"";
  out += s.substr(0, kShown);
  if (s.size() > kShown) out += "...";
  out += '"';
  return out;
}

// strtonum(3) as OpenBSD has it: strtoll over the whole string, within [lo, hi].
std::optional<long long> to_number(std::string_view s, long long lo, long long hi) {
  std::string copy(s);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(copy.c_str(), &end, 10);
  if (end == copy.c_str() || *end != '\0' || errno == ERANGE || v < lo || v > hi) return std::nullopt;
  return v;
}

// The key type words sshd recognises at the start of a key. The RSA signature names
// are accepted for an ssh-rsa blob as sshd does.
struct TypeWord {
  std::string_view word;
  std::optional<crypto::KeyType> type;  // nullopt: known to OpenSSH, not to skiff
};

constexpr TypeWord kTypeWords[] = {
    {"ssh-ed25519", crypto::KeyType::ed25519},
    {"ecdsa-sha2-nistp256", crypto::KeyType::ecdsa_p256},
    {"ecdsa-sha2-nistp384", crypto::KeyType::ecdsa_p384},
    {"ecdsa-sha2-nistp521", crypto::KeyType::ecdsa_p521},
    {"ssh-rsa", crypto::KeyType::rsa},
    {"rsa-sha2-256", crypto::KeyType::rsa},
    {"rsa-sha2-512", crypto::KeyType::rsa},
    {"ssh-dss", std::nullopt},
    {"sk-ssh-ed25519@openssh.com", std::nullopt},
    {"sk-ecdsa-sha2-nistp256@openssh.com", std::nullopt},
    {"webauthn-sk-ecdsa-sha2-nistp256@openssh.com", std::nullopt},
    {"ssh-xmss@openssh.com", std::nullopt},
    {"ssh-ed25519-cert-v01@openssh.com", std::nullopt},
    {"sk-ssh-ed25519-cert-v01@openssh.com", std::nullopt},
    {"ecdsa-sha2-nistp256-cert-v01@openssh.com", std::nullopt},
    {"ecdsa-sha2-nistp384-cert-v01@openssh.com", std::nullopt},
    {"ecdsa-sha2-nistp521-cert-v01@openssh.com", std::nullopt},
    {"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", std::nullopt},
    {"ssh-dss-cert-v01@openssh.com", std::nullopt},
    {"ssh-rsa-cert-v01@openssh.com", std::nullopt},
    {"rsa-sha2-256-cert-v01@openssh.com", std::nullopt},
    {"rsa-sha2-512-cert-v01@openssh.com", std::nullopt},
    {"ssh-xmss-cert-v01@openssh.com", std::nullopt},
};

const TypeWord* find_type_word(std::string_view word) {
  for (const auto& t : kTypeWords) {
    if (t.word == word) return &t;
  }
  return nullptr;
}

std::string_view first_word(std::string_view s) {
  std::size_t end = 0;
  while (end < s.size() && !is_blank(s[end])) ++end;
  return s.substr(0, end);
}

struct KeyPart {
  crypto::PublicKey key;
  std::string comment;
};

// "type base64 [comment]" (sshkey_read): the type word must be followed by blanks.
Result<KeyPart> parse_key_part(std::string_view s) {
  const std::string_view word = first_word(s);
  const TypeWord* type = find_type_word(word);
  if (type == nullptr) return fail(Errc::bad_format, "no key: unknown key type " + quoted_excerpt(word));
  if (!type->type) return fail(Errc::unsupported, "key type " + std::string(word) + " is not supported");
  std::string_view rest = skip_blanks(s.substr(word.size()));
  if (word.size() == s.size() || rest.empty()) return fail(Errc::bad_format, "key data missing after " + std::string(word));
  const std::string_view b64 = first_word(rest);
  auto blob = wire::base64_decode(b64);
  if (!blob) return fail(Errc::bad_format, "key data is not valid base64");
  auto key = decode_public_blob(*blob);
  if (!key) return fail(key.error().code, "bad key blob: " + key.error().message);
  if (key->type() != *type->type) {
    return fail(Errc::bad_format, "key blob is " + std::string(key_type_name(key->type())) + ", line says " +
                                      std::string(word));
  }
  std::string_view comment = skip_blanks(rest.substr(b64.size()));
  while (!comment.empty() && is_blank(comment.back())) comment.remove_suffix(1);
  return KeyPart{std::move(*key), std::string(comment)};
}

// The option list ends at the first blank outside quotes; '\"' never toggles quoting.
// nullopt for an unterminated quote.
std::optional<std::size_t> options_end(std::string_view s) {
  bool quoted = false;
  std::size_t i = 0;
  for (; i < s.size() && (quoted || !is_blank(s[i])); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '"') {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    }
  }
  if (quoted) return std::nullopt;
  return i;
}

// YYYYMMDD[HHMM[SS]] with an optional "Z" or "UTC" suffix (any case), read with
// strptime as sshd's parse_absolute_time() does; local time without the suffix.
std::optional<std::int64_t> parse_expiry(std::string_view s) {
  bool utc = false;
  std::size_t len = s.size();
  if (len > 1 && lower(s.back()) == 'z') {
    utc = true;
    len -= 1;
  } else if (len > 3 && starts_with_nocase(s.substr(len - 3), "utc")) {
    utc = true;
    len -= 3;
  }
  if (len != 8 && len != 12 && len != 14) return std::nullopt;
  std::string buf = std::string(s.substr(0, 4)) + '-' + std::string(s.substr(4, 2)) + '-' + std::string(s.substr(6, 2));
  const char* format = "%Y-%m-%d";
  if (len >= 12) {
    buf += 'T' + std::string(s.substr(8, 2)) + ':' + std::string(s.substr(10, 2));
    format = "%Y-%m-%dT%H:%M";
  }
  if (len == 14) {
    buf += ':' + std::string(s.substr(12, 2));
    format = "%Y-%m-%dT%H:%M:%S";
  }
  std::tm tm{};
  const char* end = strptime(buf.c_str(), format, &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t t = utc ? timegm(&tm) : std::mktime(&tm);
  if (t <= 0) return std::nullopt;  // sshd also refuses the epoch itself
  return static_cast<std::int64_t>(t);
}

bool valid_env_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '_') return false;
  }
  return true;
}

// "host:port", "host/port" or "[v6]:port"; permitlisten also takes a bare port, kept as
// "*:port" as sshd records it. The port is a number in 1..65535 or '*'.
Result<std::string> check_permit(std::string value, bool bare_port_ok, std::string_view option) {
  if (bare_port_ok && value.find(':') == std::string::npos) value = "*:" + value;
  std::size_t delim = 0;
  if (!value.empty() && value.front() == '[') {
    delim = value.find(']');
    if (delim != std::string::npos) ++delim;
  } else {
    delim = value.find_first_of(":/");
    if (delim == std::string::npos) delim = value.size();
  }
  if (delim == std::string::npos || (delim < value.size() && value[delim] != ':' && value[delim] != '/') ||
      delim >= kMaxPermitHost + 1) {
    return fail(Errc::bad_format, std::string(option) + ": invalid permission hostname");
  }
  if (delim == value.size()) return fail(Errc::bad_format, std::string(option) + ": invalid permission port");
  const std::string_view port = std::string_view(value).substr(delim + 1);
  // sshd also looks port names up in /etc/services; skiff wants numbers.
  if (port != "*" && !to_number(port, 1, 65535)) {
    return fail(Errc::bad_format, std::string(option) + ": invalid permission port");
  }
  return value;
}

class OptionParser {
 public:
  explicit OptionParser(std::string_view text) : s_(text) {}

  Result<AuthorizedKeyOptions> parse() {
    while (!s_.empty()) {
      if (auto ok = one_option(); !ok) return std::unexpected(std::move(ok.error()));
      if (s_.empty()) break;
      // Anything but a comma after an option means the option was not one sshd knows.
      // A comma at the very end is accepted, as sshd does (its option list runs into
      // the blank before the key), and so is an empty option between two commas.
      if (s_.front() != ',') return fail(Errc::bad_format, "unknown option at " + quoted_excerpt(start_));
      s_.remove_prefix(1);
    }
    return std::move(o_);
  }

 private:
  // Returns nullopt when s_ does not start with the flag (or "no-" and the flag).
  std::optional<bool> flag(std::string_view name, bool negatable) {
    std::string_view s = s_;
    bool value = true;
    if (negatable && starts_with_nocase(s, "no-")) {
      s.remove_prefix(3);
      value = false;
    }
    if (!starts_with_nocase(s, name)) return std::nullopt;
    s_ = s.substr(name.size());
    return value;
  }

  bool valued(std::string_view name) {
    if (!starts_with_nocase(s_, name) || s_.size() == name.size() || s_[name.size()] != '=') return false;
    s_.remove_prefix(name.size() + 1);
    return true;
  }

  // A double-quoted value; '\"' stands for '"', any other backslash is kept.
  Result<std::string> dequote(std::string_view option) {
    if (s_.empty() || s_.front() != '"') return fail(Errc::bad_format, std::string(option) + ": missing start quote");
    std::string out;
    std::size_t i = 1;
    while (i < s_.size() && s_[i] != '"') {
      if (s_[i] == '\\' && i + 1 < s_.size() && s_[i + 1] == '"') ++i;
      out += s_[i++];
    }
    if (i == s_.size()) return fail(Errc::bad_format, std::string(option) + ": missing end quote");
    s_.remove_prefix(i + 1);
    return out;
  }

  Result<void> single(std::optional<std::string>& slot, std::string_view option) {
    if (slot) return fail(Errc::bad_format, "multiple \"" + std::string(option) + "\" clauses");
    auto v = dequote(option);
    if (!v) return std::unexpected(std::move(v.error()));
    slot = std::move(*v);
    return {};
  }

  Result<void> one_option() {
    start_ = s_;
    if (flag("restrict", false)) {
      o_.pty = o_.port_forwarding = o_.agent_forwarding = o_.x11_forwarding = o_.user_rc = false;
      return {};
    }
    if (flag("cert-authority", false)) {
      o_.cert_authority = true;
      return {};
    }
    // In sshd's order, which matters only in that the first prefix that fits is taken.
    struct Flag {
      std::string_view name;
      bool AuthorizedKeyOptions::*field;
      bool inverted;  // "no-touch-required" sets no_touch_required
    };
    static constexpr Flag kFlags[] = {
        {"port-forwarding", &AuthorizedKeyOptions::port_forwarding, false},
        {"agent-forwarding", &AuthorizedKeyOptions::agent_forwarding, false},
        {"x11-forwarding", &AuthorizedKeyOptions::x11_forwarding, false},
        {"touch-required", &AuthorizedKeyOptions::no_touch_required, true},
        {"verify-required", &AuthorizedKeyOptions::verify_required, false},
        {"pty", &AuthorizedKeyOptions::pty, false},
        {"user-rc", &AuthorizedKeyOptions::user_rc, false},
    };
    for (const auto& f : kFlags) {
      if (auto v = flag(f.name, true)) {
        o_.*f.field = *v != f.inverted;
        return {};
      }
    }
    if (valued("command")) return single(o_.command, "command");
    if (valued("principals")) return single(o_.principals, "principals");
    if (valued("from")) return from();
    if (valued("expiry-time")) return expiry_time();
    if (valued("environment")) return environment();
    if (valued("permitopen")) return permit(o_.permitopen, false, "permitopen");
    if (valued("permitlisten")) return permit(o_.permitlisten, true, "permitlisten");
    if (valued("tunnel")) return tunnel();
    return {};  // nothing taken: the caller reports what follows as unknown
  }

  Result<void> from() {
    if (auto ok = single(o_.from, "from"); !ok) return ok;
    // Checked now so that a broken list is reported with its line, not at login.
    if (auto m = match_host_and_address("", "", *o_.from); !m) {
      return fail(Errc::bad_format, "from: " + m.error().message);
    }
    return {};
  }

  Result<void> expiry_time() {
    auto v = dequote("expiry-time");
    if (!v) return std::unexpected(std::move(v.error()));
    auto t = parse_expiry(*v);
    if (!t) return fail(Errc::bad_format, "expiry-time: invalid expires time " + quoted_excerpt(*v));
    // Repeating it is allowed: the earliest time wins.
    if (!o_.expiry_time || *t < *o_.expiry_time) o_.expiry_time = t;
    return {};
  }

  Result<void> tunnel() {
    auto v = dequote("tunnel");
    if (!v) return std::unexpected(std::move(v.error()));
    const bool any = v->size() == 3 && starts_with_nocase(*v, "any");
    if (!any && !to_number(*v, 0, kMaxTunnel)) return fail(Errc::bad_format, "tunnel: invalid tun device");
    o_.tunnel = std::move(*v);  // repeating it is allowed: the last one wins
    return {};
  }

  Result<void> environment() {
    if (o_.environment.size() > kMaxEnvironment) return fail(Errc::bad_format, "environment: too many environment strings");
    auto v = dequote("environment");
    if (!v) return std::unexpected(std::move(v.error()));
    const std::size_t eq = v->find('=');
    if (eq == std::string::npos || !valid_env_name(std::string_view(*v).substr(0, eq))) {
      return fail(Errc::bad_format, "environment: invalid environment string");
    }
    // The first value given for a name wins; later ones are dropped.
    for (const auto& e : o_.environment) {
      if (e.compare(0, eq + 1, *v, 0, eq + 1) == 0) return {};
    }
    o_.environment.push_back(std::move(*v));
    return {};
  }

  Result<void> permit(std::vector<std::string>& list, bool bare_port_ok, std::string_view option) {
    if (list.size() > kMaxPermits) return fail(Errc::bad_format, std::string(option) + ": too many permission directives");
    auto v = dequote(option);
    if (!v) return std::unexpected(std::move(v.error()));
    auto checked = check_permit(std::move(*v), bare_port_ok, option);
    if (!checked) return std::unexpected(std::move(checked.error()));
    list.push_back(std::move(*checked));
    return {};
  }

  std::string_view s_;
  std::string_view start_;
  AuthorizedKeyOptions o_;
};

}  // namespace

Result<AuthorizedKey> parse_authorized_key_line(std::string_view line) {
  if (line.size() > limits::kMaxKeyFileLine) return fail(Errc::too_large, "line too long");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  line = skip_blanks(line);
  if (line.empty() || line.front() == '#') return fail(Errc::not_found, "no key on a blank or comment line");
  // sshd's C strings would end at a NUL; a value cut short there must not be trusted.
  if (line.find('\0') != std::string_view::npos) return fail(Errc::bad_format, "NUL byte in line");

  auto bare = parse_key_part(line);
  if (bare) return AuthorizedKey{0, {}, std::move(bare->key), std::move(bare->comment)};
  const auto end = options_end(line);
  if (!end) return fail(Errc::bad_format, "unterminated quote in options");
  auto after = parse_key_part(skip_blanks(line.substr(*end)));
  if (!after) {
    // A line starting with a key type word was meant as a bare key: its error says more.
    if (find_type_word(first_word(line)) != nullptr) return std::unexpected(std::move(bare.error()));
    return std::unexpected(std::move(after.error()));
  }
  auto options = OptionParser(line.substr(0, *end)).parse();
  if (!options) return std::unexpected(std::move(options.error()));
  return AuthorizedKey{0, std::move(*options), std::move(after->key), std::move(after->comment)};
}

AuthorizedKeysFile parse_authorized_keys(std::string_view text, std::string_view file_name) {
  AuthorizedKeysFile file;
  for_each_line(
      text,
      [&](std::size_t number, std::string_view line) {
        auto key = parse_authorized_key_line(line);
        if (key) {
          key->line_number = number;
          file.keys.push_back(std::move(*key));
        } else if (key.error().code != Errc::not_found) {
          file.problems.push_back(make_problem(file_name, number, key.error().message));
        }
      },
      [&](std::size_t number) {
        file.problems.push_back(make_problem(file_name, number, "line longer than the limit, skipped"));
      });
  return file;
}

AuthorizedKeyOptions merge_most_restrictive(const AuthorizedKeyOptions& first, const AuthorizedKeyOptions& then) {
  AuthorizedKeyOptions m = first;
  m.pty = first.pty && then.pty;
  m.port_forwarding = first.port_forwarding && then.port_forwarding;
  m.agent_forwarding = first.agent_forwarding && then.agent_forwarding;
  m.x11_forwarding = first.x11_forwarding && then.x11_forwarding;
  m.user_rc = first.user_rc && then.user_rc;
  m.no_touch_required = first.no_touch_required && then.no_touch_required;
  m.verify_required = first.verify_required || then.verify_required;
  if (!m.command) m.command = then.command;
  if (!m.from) m.from = then.from;
  if (!m.tunnel) m.tunnel = then.tunnel;
  if (!m.principals) m.principals = then.principals;
  if (m.permitopen.empty()) m.permitopen = then.permitopen;
  if (m.permitlisten.empty()) m.permitlisten = then.permitlisten;
  if (then.expiry_time && (!m.expiry_time || *then.expiry_time < *m.expiry_time)) m.expiry_time = then.expiry_time;
  m.environment.insert(m.environment.end(), then.environment.begin(), then.environment.end());
  return m;
}

}  // namespace skiff::keys
