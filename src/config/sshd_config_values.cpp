// ServerConfigFile::evaluate(): sshd's fill_default_server_options() over the kept
// lines, the AuthorizedKeysFile tokens and the `sshd -T` dump.
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "config/ssh_keywords.hpp"
#include "config/sshd_config.hpp"

namespace skiff::config {
namespace {

using Raw = std::vector<std::vector<std::string>>;  // the kept lines' arguments

bool yes(std::string_view v) { return detail::parse_choice(v, "yes|true"); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "host", "host:port", "[v6]", "[v6]:port", "v6" -> the "addr:port" lines sshd -T prints.
void listen_lines(std::string_view spec, const std::vector<std::uint16_t>& ports, std::vector<std::string>& out) {
  std::string host(spec);
  std::string port;
  if (spec.starts_with("[")) {
    const auto close = spec.find(']');
    if (close != std::string_view::npos) {
      host = std::string(spec.substr(1, close - 1));
      if (close + 1 < spec.size() && spec[close + 1] == ':') port = std::string(spec.substr(close + 2));
    }
  } else if (std::count(spec.begin(), spec.end(), ':') == 1) {
    const auto colon = spec.find(':');
    host = std::string(spec.substr(0, colon));
    port = std::string(spec.substr(colon + 1));
  }
  const bool v6 = host.find(':') != std::string::npos;
  const std::string shown = v6 ? "[" + host + "]" : host;
  if (!port.empty()) {
    out.push_back(shown + ":" + port);
    return;
  }
  for (auto p : ports) out.push_back(shown + ":" + std::to_string(p));
}

}  // namespace

Result<ServerConfig> ServerConfigFile::evaluate(const ConnectionInfo* conn, const GroupLookup* groups) const {
  std::map<std::string, Raw> global, matched;
  std::vector<std::string> subsystem_rest;
  std::vector<bool> block_on(blocks_.size());
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    block_on[i] = block_matches_for(blocks_[i], conn, groups);
  }
  for (const auto& l : lines_) {
    if (l.block >= 0 && !block_on[static_cast<std::size_t>(l.block)]) continue;
    auto& slot = (l.block < 0 ? global : matched)[l.keyword];
    if (!slot.empty() && !l.cumulative) continue;
    std::vector<std::string> args = l.args;
    if (!l.rest.empty()) args = {l.rest};
    slot.push_back(std::move(args));
  }
  for (auto& [k, v] : matched) global[k] = std::move(v);

  ServerConfig c;
  auto first = [&](std::string_view k) -> const std::vector<std::string>* {
    auto it = global.find(std::string(k));
    return it == global.end() ? nullptr : &it->second.front();
  };
  auto all_args = [&](std::string_view k, std::vector<std::string>& out) {
    if (auto it = global.find(std::string(k)); it != global.end()) {
      for (const auto& line : it->second) out.insert(out.end(), line.begin(), line.end());
    }
  };
  auto flag = [&](std::string_view k, bool& out) {
    if (auto* v = first(k)) out = yes((*v)[0]);
  };
  auto integer = [&](std::string_view k, int& out) {
    if (auto* v = first(k)) out = static_cast<int>(*parse_int((*v)[0], 0, 2147483647));
  };
  auto time = [&](std::string_view k, int& out) {
    if (auto* v = first(k)) out = (*v)[0] == "none" ? 0 : static_cast<int>(*parse_time((*v)[0]));
  };
  auto text = [&](std::string_view k, std::string& out) {
    if (auto* v = first(k)) out = (*v)[0] == "none" ? std::string{} : (*v)[0];
  };
  if (auto it = global.find("port"); it != global.end()) {
    for (const auto& l : it->second) c.ports.push_back(static_cast<std::uint16_t>(*parse_int(l[0], 1, 65535)));
  } else {
    c.ports = {22};
  }
  if (auto* v = first("addressfamily")) {
    c.address_family = (*v)[0] == "inet" ? AddressFamily::inet : (*v)[0] == "inet6" ? AddressFamily::inet6 : AddressFamily::any;
  }
  if (auto it = global.find("listenaddress"); it != global.end()) {
    for (const auto& l : it->second) listen_lines(l[0], c.ports, c.listen_addresses);
  } else {
    for (auto p : c.ports) {
      if (c.address_family != AddressFamily::inet) c.listen_addresses.push_back("[::]:" + std::to_string(p));
      if (c.address_family != AddressFamily::inet6) c.listen_addresses.push_back("0.0.0.0:" + std::to_string(p));
    }
  }
  all_args("hostkey", c.host_keys);
  if (auto* v = first("permitrootlogin")) {
    const auto& s = (*v)[0];
    c.permit_root_login = s == "yes"                    ? PermitRootLogin::yes
                          : s == "no"                   ? PermitRootLogin::no
                          : s == "forced-commands-only" ? PermitRootLogin::forced_commands_only
                                                        : PermitRootLogin::prohibit_password;
  }
  flag("pubkeyauthentication", c.pubkey_authentication);
  flag("passwordauthentication", c.password_authentication);
  flag("kbdinteractiveauthentication", c.kbd_interactive_authentication);
  flag("usepam", c.use_pam);
  if (auto* v = first("authenticationmethods")) {
    if (!(v->size() == 1 && (*v)[0] == "any")) c.authentication_methods = *v;
  }
  if (auto* v = first("authorizedkeysfile")) {
    c.authorized_keys_files.clear();
    if (!(v->size() == 1 && (*v)[0] == "none")) c.authorized_keys_files = *v;
  }
  text("authorizedkeyscommand", c.authorized_keys_command);
  text("authorizedkeyscommanduser", c.authorized_keys_command_user);
  all_args("allowusers", c.allow_users);
  all_args("denyusers", c.deny_users);
  all_args("allowgroups", c.allow_groups);
  all_args("denygroups", c.deny_groups);
  integer("maxauthtries", c.max_auth_tries);
  integer("maxsessions", c.max_sessions);
  if (auto* v = first("maxstartups")) {
    const std::string& s = (*v)[0];
    const auto a = s.find(':');
    c.max_startups.begin = static_cast<int>(*parse_int(s.substr(0, a), 0, 2147483647));
    if (a == std::string::npos) {
      c.max_startups.full = c.max_startups.begin;  // the rate keeps its default
    } else {
      const auto b = s.find(':', a + 1);
      c.max_startups.rate = static_cast<int>(*parse_int(s.substr(a + 1, b - a - 1), 0, 2147483647));
      c.max_startups.full = static_cast<int>(*parse_int(s.substr(b + 1), 0, 2147483647));
    }
  }
  time("logingracetime", c.login_grace_time);
  time("clientaliveinterval", c.client_alive_interval);
  integer("clientalivecountmax", c.client_alive_count_max);
  flag("permitemptypasswords", c.permit_empty_passwords);
  if (auto* v = first("permituserenvironment")) c.permit_user_environment = (*v)[0];
  all_args("acceptenv", c.accept_env);
  if (auto* v = first("setenv")) c.set_env = *v;
  if (auto it = global.find("subsystem"); it != global.end()) {
    for (const auto& l : it->second) {
      std::string cmd;
      for (std::size_t i = 1; i < l.size(); ++i) cmd += (i > 1 ? " " : "") + l[i];
      c.subsystems.emplace_back(l[0], cmd);
    }
  }
  text("forcecommand", c.force_command);
  flag("permittty", c.permit_tty);
  flag("printmotd", c.print_motd);
  flag("printlastlog", c.print_last_log);
  text("banner", c.banner);
  flag("strictmodes", c.strict_modes);
  text("chrootdirectory", c.chroot_directory);
  using AK = transport::AlgorithmKind;
  const std::pair<std::string_view, std::pair<AK, std::vector<std::string>*>> algos[] = {
      {"ciphers", {AK::cipher, &c.ciphers}},
      {"macs", {AK::mac, &c.macs}},
      {"kexalgorithms", {AK::kex, &c.kex_algorithms}},
      {"hostkeyalgorithms", {AK::host_key, &c.host_key_algorithms}},
      {"pubkeyacceptedalgorithms", {AK::host_key, &c.pubkey_accepted_algorithms}}};
  for (const auto& [k, kv] : algos) {
    if (auto* v = first(k)) {
      auto r = transport::apply_algorithm_spec(kv.first, (*v)[0]);
      if (!r) return std::unexpected(r.error());
      *kv.second = std::move(*r);
    } else {
      *kv.second = transport::default_algorithms(kv.first);
    }
  }
  if (auto* v = first("rekeylimit")) {
    if ((*v)[0] != "default") c.rekey_limit.bytes = *parse_size((*v)[0]);
    if (v->size() > 1 && (*v)[1] != "none") c.rekey_limit.seconds = static_cast<std::uint32_t>(*parse_time((*v)[1]));
  }
  if (auto* v = first("loglevel")) c.log_level = upper((*v)[0]);
  if (auto* v = first("syslogfacility")) c.syslog_facility = upper((*v)[0]);
  if (auto* v = first("pidfile")) c.pid_file = (*v)[0];
  static constexpr std::string_view kTyped[] = {
      "port", "addressfamily", "listenaddress", "hostkey", "permitrootlogin", "pubkeyauthentication",
      "passwordauthentication", "kbdinteractiveauthentication", "usepam", "authenticationmethods",
      "authorizedkeysfile", "authorizedkeyscommand", "authorizedkeyscommanduser", "allowusers", "denyusers",
      "allowgroups", "denygroups", "maxauthtries", "maxsessions", "maxstartups", "logingracetime",
      "clientaliveinterval", "clientalivecountmax", "permitemptypasswords", "permituserenvironment", "acceptenv",
      "setenv", "subsystem", "forcecommand", "permittty", "printmotd", "printlastlog", "banner", "strictmodes",
      "chrootdirectory", "ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms",
      "rekeylimit", "loglevel", "syslogfacility", "pidfile"};
  for (const auto& [key, lines] : global) {
    if (std::find(std::begin(kTyped), std::end(kTyped), key) != std::end(kTyped)) continue;
    for (const auto& l : lines) {
      std::string joined;
      for (const auto& a : l) joined += (joined.empty() ? "" : " ") + a;
      c.other[key].push_back(joined);
    }
  }
  return c;
}

Result<std::string> expand_authorized_keys_path(std::string_view pattern, std::string_view user,
                                                std::string_view home, std::uint32_t uid) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    if (++i >= pattern.size()) return fail(Errc::bad_format, "invalid format: '%' at end of string");
    switch (pattern[i]) {
      case '%': out += '%'; break;
      case 'h': out += home; break;
      case 'u': out += user; break;
      case 'U': out += std::to_string(uid); break;
      default: return fail(Errc::bad_format, std::string("unknown key %") + pattern[i]);
    }
  }
  if (!out.starts_with("/")) out = std::string(home) + "/" + out;
  return out;
}

std::string dump_server_config(const ServerConfig& c) {
  std::string out;
  auto line = [&](std::string_view k, std::string_view v) { out.append(k).append(" ").append(v).append("\n"); };
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  auto or_none = [](const std::string& s) { return s.empty() ? std::string("none") : s; };
  auto join = [](const std::vector<std::string>& v, std::string_view sep) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : std::string(sep)) + e;
    return s;
  };
  // Kept keywords with sshd's default when unset.
  auto kept = [&](std::string_view k, std::string_view dflt) {
    if (auto it = c.other.find(std::string(k)); it != c.other.end()) {
      for (const auto& v : it->second) line(k, v);
    } else {
      line(k, dflt);
    }
  };
  for (auto p : c.ports) line("port", std::to_string(p));
  line("addressfamily", c.address_family == AddressFamily::inet    ? "inet"
                        : c.address_family == AddressFamily::inet6 ? "inet6"
                                                                   : "any");
  for (const auto& l : c.listen_addresses) line("listenaddress", l);
  line("usepam", yn(c.use_pam));
  line("logingracetime", std::to_string(c.login_grace_time));
  kept("x11displayoffset", "10");
  line("maxauthtries", std::to_string(c.max_auth_tries));
  line("maxsessions", std::to_string(c.max_sessions));
  line("clientaliveinterval", std::to_string(c.client_alive_interval));
  line("clientalivecountmax", std::to_string(c.client_alive_count_max));
  kept("requiredrsasize", "1024");
  // sshd prints the mask as "0%o" whatever the digits written ("0077" -> "077").
  if (auto v = c.get("streamlocalbindmask")) {
    const unsigned long mask = std::strtoul(v->c_str(), nullptr, 8);
    char buf[16];
    std::snprintf(buf, sizeof buf, "0%lo", mask);
    line("streamlocalbindmask", buf);
  } else {
    line("streamlocalbindmask", "0177");
  }
  kept("unusedconnectiontimeout", "none");
  static constexpr const char* kRoot[] = {"yes", "without-password", "forced-commands-only", "no"};
  line("permitrootlogin", kRoot[static_cast<int>(c.permit_root_login)]);
  kept("ignorerhosts", "yes");
  kept("ignoreuserknownhosts", "no");
  kept("hostbasedauthentication", "no");
  kept("hostbasedusesnamefrompacketonly", "no");
  line("pubkeyauthentication", yn(c.pubkey_authentication));
  // Kerberos and GSSAPI are accepted and ignored: what is in effect is shown.
  line("kerberosauthentication", "no");
  line("kerberosorlocalpasswd", "yes");
  line("kerberosticketcleanup", "yes");
  line("gssapiauthentication", "no");
  line("gssapicleanupcredentials", "yes");
  line("gssapikeyexchange", "no");
  line("gssapistrictacceptorcheck", "yes");
  line("gssapistorecredentialsonrekey", "no");
  line("gssapikexalgorithms", "none");
  line("passwordauthentication", yn(c.password_authentication));
  line("kbdinteractiveauthentication", yn(c.kbd_interactive_authentication));
  line("printmotd", yn(c.print_motd));
  line("printlastlog", yn(c.print_last_log));
  kept("x11forwarding", "no");
  kept("x11uselocalhost", "yes");
  line("permittty", yn(c.permit_tty));
  kept("permituserrc", "yes");
  line("strictmodes", yn(c.strict_modes));
  kept("tcpkeepalive", "yes");
  line("permitemptypasswords", yn(c.permit_empty_passwords));
  kept("compression", "yes");
  kept("gatewayports", "no");
  kept("usedns", "no");
  kept("allowtcpforwarding", "yes");
  kept("allowagentforwarding", "yes");
  kept("disableforwarding", "no");
  kept("allowstreamlocalforwarding", "yes");
  kept("streamlocalbindunlink", "no");
  kept("fingerprinthash", "SHA256");
  kept("exposeauthinfo", "no");
  line("pidfile", c.pid_file);
  kept("modulifile", "/etc/ssh/moduli");
  kept("xauthlocation", "/usr/bin/xauth");
  line("ciphers", join(c.ciphers, ","));
  line("macs", join(c.macs, ","));
  line("banner", or_none(c.banner));
  line("forcecommand", or_none(c.force_command));
  line("chrootdirectory", or_none(c.chroot_directory));
  kept("trustedusercakeys", "none");
  kept("revokedkeys", "none");
  kept("securitykeyprovider", "internal");
  kept("authorizedprincipalsfile", "none");
  kept("versionaddendum", "none");
  line("authorizedkeyscommand", or_none(c.authorized_keys_command));
  line("authorizedkeyscommanduser", or_none(c.authorized_keys_command_user));
  kept("authorizedprincipalscommand", "none");
  kept("authorizedprincipalscommanduser", "none");
  kept("hostkeyagent", "none");
  line("kexalgorithms", join(c.kex_algorithms, ","));
  // No certificates and no security keys in skiff: the plain signature algorithms.
  kept("casignaturealgorithms", join(c.pubkey_accepted_algorithms, ","));
  kept("hostbasedacceptedalgorithms", join(c.pubkey_accepted_algorithms, ","));
  line("hostkeyalgorithms", join(c.host_key_algorithms, ","));
  line("pubkeyacceptedalgorithms", join(c.pubkey_accepted_algorithms, ","));
  line("loglevel", c.log_level);
  line("syslogfacility", c.syslog_facility);
  line("authorizedkeysfile", c.authorized_keys_files.empty() ? "none" : join(c.authorized_keys_files, " "));
  for (const auto& h : c.host_keys) line("hostkey", h);
  for (const auto& u : c.allow_users) line("allowusers", u);
  for (const auto& u : c.deny_users) line("denyusers", u);
  for (const auto& g : c.allow_groups) line("allowgroups", g);
  for (const auto& g : c.deny_groups) line("denygroups", g);
  for (const auto& e : c.accept_env) line("acceptenv", e);
  for (const auto& e : c.set_env) line("setenv", e);
  line("authenticationmethods", c.authentication_methods.empty() ? "any" : join(c.authentication_methods, " "));
  for (const auto& [name, cmd] : c.subsystems) line("subsystem", name + " " + cmd);
  line("maxstartups", std::to_string(c.max_startups.begin) + ":" + std::to_string(c.max_startups.rate) + ":" +
                          std::to_string(c.max_startups.full));
  kept("persourcemaxstartups", "none");
  kept("persourcenetblocksize", "32:128");
  kept("permittunnel", "no");
  kept("ipqos", "lowdelay throughput");
  line("rekeylimit", std::to_string(c.rekey_limit.bytes) + " " + std::to_string(c.rekey_limit.seconds));
  kept("permitopen", "any");
  // A bare port in PermitListen is shown as sshd stores it, on every address.
  if (auto it = c.other.find("permitlisten"); it != c.other.end()) {
    for (const auto& v : it->second) {
      std::string shown;
      std::size_t p = 0;
      while (p <= v.size()) {
        auto sp = std::min(v.find(' ', p), v.size());
        std::string a = v.substr(p, sp - p);
        if (a != "any" && a != "none" && a.find(':') == std::string::npos) a = "*:" + a;
        shown += (shown.empty() ? "" : " ") + a;
        p = sp + 1;
      }
      line("permitlisten", shown);
    }
  } else {
    line("permitlisten", "any");
  }
  line("permituserenvironment", c.permit_user_environment);
  kept("pubkeyauthoptions", "none");
  return out;
}

}  // namespace skiff::config
