// dump_client_config(): `ssh -G`, line for line in the order and formats of OpenSSH
// 9.2 as Debian builds it (its GSSAPI lines, ForwardX11Trusted yes and IPQoS
// "lowdelay throughput" by default). Algorithm lists are skiff's, so they differ from
// ssh's wherever skiff implements less.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "config/config_text.hpp"
#include "config/ssh_config.hpp"
#include "config/ssh_keywords.hpp"
#include "transport/algorithms.hpp"

namespace skiff::config {
namespace {

bool yes(std::string_view v) { return detail::parse_choice(v, "yes|true"); }

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const auto& e : v) s += (s.empty() ? "" : std::string(sep)) + e;
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "[host:]port" as ssh -G shows a forwarding end: "port" or "[host]:port".
std::string forward_end(std::string_view spec) {
  if (spec.find('/') != std::string_view::npos && spec.find(':') == std::string_view::npos) return std::string(spec);
  const auto colon = spec.rfind(':');
  if (colon == std::string_view::npos) return std::string(spec);
  std::string_view host = spec.substr(0, colon);
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  return "[" + std::string(host) + "]:" + std::string(spec.substr(colon + 1));
}

std::string forward_spec(std::string_view kept) {
  const auto space = kept.find(' ');
  if (space == std::string_view::npos) return forward_end(kept);
  return forward_end(kept.substr(0, space)) + " " + forward_end(kept.substr(space + 1));
}

// The multistate tables' first name for a value: "true"/"false" for yes/no.
std::string true_false(std::string_view v) {
  if (yes(v)) return "true";
  if (detail::parse_choice(v, "no|false")) return "false";
  return lower(v);
}

// ssh's a2tun() printed back: "any" or the number, "local:remote".
std::string tunnel_device(std::string_view v) {
  auto colon = v.find(':');
  std::string_view local = v.substr(0, colon);
  std::string_view remote = colon == std::string_view::npos ? "any" : v.substr(colon + 1);
  auto one = [](std::string_view x) {
    return lower(x) == "any" ? std::string("any") : std::to_string(std::atoi(std::string(x).c_str()));
  };
  return one(local) + ":" + one(remote);
}

// vis(3) with VIS_WHITE, as ssh prints EscapeChar.
std::string vis_char(int c) {
  if (c == ' ') return "\\040";
  if (c == '\t') return "\\011";
  if (c == '\n') return "\\012";
  if (c < 32) return std::string("\\^") + static_cast<char>(c + '@');
  if (c == 127) return "\\^?";
  if (c >= 128) {
    int low = c & 127;
    if (low < 32) return std::string("\\M^") + static_cast<char>(low + '@');
    if (low == 127) return "\\M^?";
    return std::string("\\M-") + static_cast<char>(low);
  }
  return std::string(1, static_cast<char>(c));
}

// ProxyJump as ssh prints what parse_jump() kept: the hops before the last as written,
// the last one as [user@]host[:port], the host bracketed when it is an address.
std::string jump_spec(std::string_view v) {
  auto comma = v.rfind(',');
  std::string extra = comma == std::string_view::npos ? std::string() : std::string(v.substr(0, comma + 1));
  std::string_view last = comma == std::string_view::npos ? v : v.substr(comma + 1);
  std::string user;
  if (last.starts_with("ssh://")) last.remove_prefix(6);
  if (auto at = last.rfind('@'); at != std::string_view::npos) {
    user = std::string(last.substr(0, at)) + "@";
    last = last.substr(at + 1);
  }
  std::string host, port;
  if (last.starts_with("[")) {
    auto close = last.find(']');
    if (close == std::string_view::npos) return std::string(v);
    host = std::string(last.substr(1, close - 1));
    if (last.size() > close + 1 && last[close + 1] == ':') port = std::string(last.substr(close + 2));
  } else {
    auto colon = last.find(':');
    host = std::string(last.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(last.substr(colon + 1));
  }
  while (!port.empty() && port.back() == '/') port.pop_back();
  const bool numeric =
      host.find(':') != std::string::npos || host.find_first_not_of("1234567890.") == std::string::npos;
  return extra + user + (numeric ? "[" + host + "]" : host) + (port.empty() ? "" : ":" + port);
}

constexpr std::string_view kGssKexDefault =
    "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,"
    "gss-gex-sha1-";

}  // namespace

std::string dump_client_config(const ClientConfig& c) {
  std::string out;
  auto line = [&](std::string_view k, std::string_view v) { out.append(k).append(" ").append(v).append("\n"); };
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  auto flag = [&](std::string_view k, bool dflt) {
    auto v = c.get(k);
    line(k, v ? (yes(*v) ? "yes" : "no") : yn(dflt));
  };
  auto multi = [&](std::string_view k, std::string_view dflt) {
    auto v = c.get(k);
    line(k, v ? true_false(*v) : std::string(dflt));
  };
  // ssh clears these when set to "none" (CLEAR_ON_NONE), so -G leaves them out.
  auto str = [&](std::string_view k) {
    auto v = c.get(k);
    static constexpr std::string_view kNoneClears[] = {"localcommand", "remotecommand", "proxycommand",
                                                       "controlpath",  "revokedhostkeys", "pkcs11provider",
                                                       "knownhostscommand"};
    if (v && *v == "none" && std::find(std::begin(kNoneClears), std::end(kNoneClears), k) != std::end(kNoneClears)) {
      return;
    }
    if (v) line(k, *v);
  };
  auto str_or = [&](std::string_view k, std::string_view dflt) { line(k, c.get(k).value_or(std::string(dflt))); };
  auto time_or = [&](std::string_view k, int dflt) {
    auto v = c.get(k);
    auto t = v ? parse_time(*v) : std::nullopt;
    line(k, std::to_string(t ? static_cast<long long>(*t) : dflt));
  };
  auto each = [&](std::string_view k, const auto& fmt) {
    if (auto it = c.other.find(std::string(k)); it != c.other.end()) {
      for (const auto& v : it->second) line(k, fmt(v));
    }
  };
  auto same = [](const std::string& v) { return v; };
  auto default_host_keys = [] { return join(transport::default_algorithms(transport::AlgorithmKind::host_key), ","); };

  line("host", c.host);
  line("user", c.user);
  line("hostname", c.hostname);
  line("port", std::to_string(c.port));
  line("addressfamily", c.address_family == AddressFamily::inet    ? "inet"
                        : c.address_family == AddressFamily::inet6 ? "inet6"
                                                                   : "any");
  line("batchmode", yn(c.batch_mode));
  flag("canonicalizefallbacklocal", true);
  multi("canonicalizehostname", "false");
  flag("checkhostip", false);
  line("compression", yn(c.compression));
  multi("controlmaster", "false");
  flag("enablesshkeysign", false);
  flag("clearallforwardings", false);
  flag("exitonforwardfailure", false);
  line("fingerprinthash", c.get("fingerprinthash") && lower(*c.get("fingerprinthash")) == "md5" ? "MD5" : "SHA256");
  flag("forwardx11", false);
  flag("forwardx11trusted", true);
  flag("gatewayports", false);
  flag("gssapiauthentication", false);
  flag("gssapikeyexchange", false);
  flag("gssapidelegatecredentials", false);
  flag("gssapitrustdns", false);
  flag("gssapirenewalforcesrekey", false);
  str_or("gssapikexalgorithms", kGssKexDefault);
  line("hashknownhosts", yn(c.hash_known_hosts));
  flag("hostbasedauthentication", false);
  line("identitiesonly", yn(c.identities_only));
  line("kbdinteractiveauthentication", yn(c.kbd_interactive_authentication));
  flag("nohostauthenticationforlocalhost", false);
  line("passwordauthentication", yn(c.password_authentication));
  flag("permitlocalcommand", false);
  flag("proxyusefdpass", false);
  multi("pubkeyauthentication", "true");
  static constexpr const char* kTty[] = {"auto", "false", "true", "force"};
  line("requesttty", kTty[static_cast<int>(c.request_tty)]);
  str_or("sessiontype", "default");
  flag("stdinnull", false);
  flag("forkafterauthentication", false);
  flag("streamlocalbindunlink", false);
  static constexpr const char* kStrict[] = {"false", "true", "ask", "accept-new"};
  line("stricthostkeychecking", kStrict[static_cast<int>(c.strict_host_key_checking)]);
  line("tcpkeepalive", yn(c.tcp_keep_alive));
  multi("tunnel", "false");
  multi("verifyhostkeydns", "false");
  line("visualhostkey", yn(c.visual_host_key));
  // ssh turns UpdateHostKeys on by default only with the default UserKnownHostsFile
  // (or ~/.ssh/known_hosts alone) and without VerifyHostKeyDNS.
  const auto& uk = c.user_known_hosts_files;
  const bool default_uk =
      (uk.size() == 2 && uk[0].ends_with("/.ssh/known_hosts") && uk[1].ends_with("/.ssh/known_hosts2")) ||
      (uk.size() == 1 && uk[0].ends_with("/.ssh/known_hosts"));
  multi("updatehostkeys", default_uk && !yes(c.get("verifyhostkeydns").value_or("no")) ? "true" : "false");
  flag("enableescapecommandline", false);

  str_or("canonicalizemaxdots", "1");
  line("connectionattempts", std::to_string(c.connection_attempts));
  time_or("forwardx11timeout", 1200);
  line("numberofpasswordprompts", std::to_string(c.number_of_password_prompts));
  line("serveralivecountmax", std::to_string(c.server_alive_count_max));
  line("serveraliveinterval", std::to_string(c.server_alive_interval));
  str_or("requiredrsasize", "1024");

  if (!c.bind_address.empty()) line("bindaddress", c.bind_address);
  str("bindinterface");
  line("ciphers", join(c.ciphers, ","));
  str("controlpath");
  line("hostkeyalgorithms", join(c.host_key_algorithms, ","));
  str("hostkeyalias");
  line("hostbasedacceptedalgorithms", c.get("hostbasedacceptedalgorithms").value_or(default_host_keys()));
  str("identityagent");
  str("ignoreunknown");
  str("kbdinteractivedevices");
  line("kexalgorithms", join(c.kex_algorithms, ","));
  line("casignaturealgorithms", c.get("casignaturealgorithms").value_or(default_host_keys()));
  str("localcommand");
  str("remotecommand");
  // ssh names levels by the first entry of its table: QUIET is SILENT, DEBUG1 is DEBUG.
  line("loglevel", c.log_level == "QUIET" ? "SILENT" : c.log_level == "DEBUG1" ? "DEBUG" : c.log_level);
  line("macs", join(c.macs, ","));
  str("pkcs11provider");
  if (c.get("securitykeyprovider") != "none") str_or("securitykeyprovider", "internal");
  if (!c.preferred_authentications.empty()) line("preferredauthentications", c.preferred_authentications);
  line("pubkeyacceptedalgorithms", join(c.pubkey_accepted_algorithms, ","));
  str("revokedhostkeys");
  str_or("xauthlocation", "/usr/bin/xauth");
  str("knownhostscommand");

  // ssh keeps -D and -L in one list and prints as "dynamicforward" every entry whose
  // destination is not a host (SOCKS, or a Unix socket path: an -L to a path shows twice).
  each("dynamicforward", forward_spec);
  if (auto it = c.other.find("localforward"); it != c.other.end()) {
    for (const auto& v : it->second) {
      const auto space = v.find(' ');
      if (space != std::string::npos && v.find('/', space) != std::string::npos) {
        line("dynamicforward", forward_end(std::string_view(v).substr(0, space)));
      }
    }
  }
  each("localforward", forward_spec);
  // A remote dynamic forward ("RemoteForward [bind:]port") has ssh's "socks" destination.
  each("remoteforward", [](std::string_view v) {
    return v.find(' ') == std::string_view::npos ? forward_end(v) + " [socks]:0" : forward_spec(v);
  });
  for (const auto& f : c.identity_files) line("identityfile", f);
  str_or("canonicaldomains", "none");
  each("certificatefile", same);
  line("globalknownhostsfile", join(c.global_known_hosts_files, " "));
  line("userknownhostsfile", join(c.user_known_hosts_files, " "));
  for (const auto& e : c.send_env) line("sendenv", e);
  for (const auto& e : c.set_env) line("setenv", e);
  str_or("logverbose", "none");
  str_or("permitremoteopen", "any");
  if (auto v = c.get("addkeystoagent")) {
    auto sp = v->find(' ');
    std::string mode = true_false(v->substr(0, sp));
    auto life = parse_time(sp == std::string::npos ? *v : v->substr(sp + 1));
    if (detail::parse_choice(mode, "true|false|ask|confirm")) {
      line("addkeystoagent", mode);
    } else if (life) {
      line("addkeystoagent", std::to_string(*life));
    } else {
      line("addkeystoagent", mode);
    }
  } else {
    line("addkeystoagent", "false");
  }
  if (auto v = c.get("forwardagent")) {
    line("forwardagent", yes(*v) ? "yes" : detail::parse_choice(*v, "no|false") ? "no" : *v);
  } else {
    line("forwardagent", "no");
  }
  line("connecttimeout", c.connect_timeout < 0 ? "none" : std::to_string(c.connect_timeout));
  line("tunneldevice", tunnel_device(c.get("tunneldevice").value_or("any:any")));
  out += "canonicalizePermittedcnames " + c.get("canonicalizepermittedcnames").value_or("none") + "\n";
  if (auto v = c.get("controlpersist")) {
    auto t = parse_time(*v);
    line("controlpersist", detail::parse_choice(*v, "yes|true|no|false") ? (yes(*v) ? "yes" : "no")
                           : t && *t == 0                                ? "no"
                           : t                                           ? std::to_string(*t)
                                                                         : *v);
  } else {
    line("controlpersist", "no");
  }
  line("escapechar", c.escape_char < 0 ? std::string("none") : vis_char(c.escape_char));
  if (auto v = c.get("ipqos")) {
    std::string q = lower(*v);
    line("ipqos", q.find(' ') == std::string::npos ? q + " " + q : q);
  } else {
    line("ipqos", "lowdelay throughput");
  }
  line("rekeylimit", std::to_string(c.rekey_limit.bytes) + " " + std::to_string(c.rekey_limit.seconds));
  if (auto v = c.get("streamlocalbindmask")) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0%lo", std::strtoul(v->c_str(), nullptr, 8));
    line("streamlocalbindmask", buf);
  } else {
    line("streamlocalbindmask", "0177");
  }
  std::string facility = c.get("syslogfacility").value_or("USER");
  for (char& ch : facility) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  line("syslogfacility", facility);
  if (auto v = c.get("proxyjump"); v && *v != "none") {
    line("proxyjump", jump_spec(*v));
  } else {
    str("proxycommand");
  }
  return out;
}

}  // namespace skiff::config
