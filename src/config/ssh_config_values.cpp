// ClientConfigBuilder::finish(): ssh's fill_default_options() over the kept values,
// the token expansion and the `ssh -G` dump.
#include <cctype>
#include <cstdio>

#include "config/ssh_config.hpp"
#include "config/ssh_keywords.hpp"
#include "crypto/hash.hpp"
#include "wire/glob.hpp"

namespace skiff::config {
namespace {

bool yes(std::string_view v) { return detail::parse_choice(v, "yes|true"); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string hex(const crypto::Bytes& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto c : b) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
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

int seconds(std::string_view v) { return v == "none" ? -1 : static_cast<int>(*parse_time(v)); }

}  // namespace

Result<std::string> expand_tokens(std::string_view text, const ClientConfig& cfg, const ClientContext& ctx) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (++i >= text.size()) return fail(Errc::bad_format, "invalid format: '%' at end of string");
    const std::string port = std::to_string(cfg.port);
    switch (text[i]) {
      case '%': out += '%'; break;
      case 'h': out += cfg.hostname.empty() ? cfg.host : cfg.hostname; break;
      case 'n': out += cfg.host; break;
      case 'p': out += port; break;
      case 'r': out += cfg.user; break;
      case 'u': out += ctx.local_user; break;
      case 'd': out += ctx.home; break;
      case 'l': out += ctx.local_host; break;
      case 'L': out += ctx.local_short; break;
      case 'i': out += std::to_string(ctx.uid); break;
      case 'j': out += cfg.get("proxyjump").value_or(""); break;
      case 'k': out += cfg.get("hostkeyalias").value_or(cfg.host); break;
      case 'C': {
        const std::string h = cfg.hostname.empty() ? cfg.host : cfg.hostname;
        const std::string all = ctx.local_host + h + port + cfg.user;
        crypto::Hash sha1(crypto::HashAlg::sha1);
        sha1.update(crypto::ByteView(reinterpret_cast<const std::uint8_t*>(all.data()), all.size()));
        out += hex(sha1.finish());
        break;
      }
      default: return fail(Errc::bad_format, std::string("unknown key %") + text[i]);
    }
  }
  return out;
}

Result<ClientConfig> ClientConfigBuilder::finish() {
  if (want_final_ && !final_pass_) {
    if (auto r = run_final_pass(); !r) return std::unexpected(r.error());
  }
  ClientConfig c;
  c.host = ctx_.host;
  auto first = [&](std::string_view k) -> const std::vector<std::string>* {
    auto it = set_.find(std::string(k));
    return it == set_.end() ? nullptr : &it->second.front().args;
  };
  auto flag = [&](std::string_view k, bool& out) {
    if (auto* v = first(k)) out = yes((*v)[0]);
  };
  auto integer = [&](std::string_view k, int& out) {
    if (auto* v = first(k)) out = static_cast<int>(*parse_int((*v)[0], 0, 2147483647));
  };
  c.user = first("user") ? (*first("user"))[0] : ctx_.local_user;
  if (auto* v = first("port")) c.port = static_cast<std::uint16_t>(*parse_int((*v)[0], 1, 65535));
  // ssh lowers the name given on the command line; %n and "host" keep it as given.
  c.hostname = c.host;
  for (char& ch : c.hostname) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (auto* v = first("hostname")) {
    auto h = expand_tokens((*v)[0], c, ctx_);
    if (!h) return std::unexpected(h.error());
    c.hostname = *h;
    for (char& ch : c.hostname) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  if (auto it = set_.find("identityfile"); it != set_.end()) {
    for (const auto& r : it->second) c.identity_files.push_back(r.args[0]);
  } else {
    for (const char* f : {"id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"}) {
      c.identity_files.push_back(std::string("~/.ssh/") + f);
    }
  }
  flag("identitiesonly", c.identities_only);
  if (auto* v = first("userknownhostsfile")) {
    for (const auto& f : *v) c.user_known_hosts_files.push_back(expand_tilde(f, ctx_.home));
  } else {
    c.user_known_hosts_files = {ctx_.home + "/.ssh/known_hosts", ctx_.home + "/.ssh/known_hosts2"};
  }
  if (auto* v = first("globalknownhostsfile")) {
    for (const auto& f : *v) c.global_known_hosts_files.push_back(expand_tilde(f, ctx_.home));
  } else {
    c.global_known_hosts_files = {"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"};
  }
  if (auto* v = first("stricthostkeychecking")) {
    const auto& s = (*v)[0];
    c.strict_host_key_checking = detail::parse_choice(s, "yes|true")          ? StrictHostKeyChecking::yes
                                 : detail::parse_choice(s, "no|false|off")    ? StrictHostKeyChecking::no
                                 : detail::parse_choice(s, "accept-new")      ? StrictHostKeyChecking::accept_new
                                                                              : StrictHostKeyChecking::ask;
  }
  flag("hashknownhosts", c.hash_known_hosts);
  flag("visualhostkey", c.visual_host_key);
  if (auto* v = first("preferredauthentications")) c.preferred_authentications = (*v)[0];
  flag("passwordauthentication", c.password_authentication);
  if (auto* v = first("pubkeyauthentication")) c.pubkey_authentication = !detail::parse_choice((*v)[0], "no|false");
  flag("kbdinteractiveauthentication", c.kbd_interactive_authentication);
  integer("numberofpasswordprompts", c.number_of_password_prompts);
  using AK = transport::AlgorithmKind;
  auto algos = [&](std::string_view k, AK kind, std::vector<std::string>& out) -> Result<void> {
    auto* v = first(k);
    if (v == nullptr) {
      out = transport::default_algorithms(kind);
      return {};
    }
    auto r = transport::apply_algorithm_spec(kind, (*v)[0]);
    if (!r) return std::unexpected(r.error());
    out = std::move(*r);
    return {};
  };
  for (auto r : {algos("ciphers", AK::cipher, c.ciphers), algos("macs", AK::mac, c.macs),
                 algos("kexalgorithms", AK::kex, c.kex_algorithms),
                 algos("hostkeyalgorithms", AK::host_key, c.host_key_algorithms),
                 algos("pubkeyacceptedalgorithms", AK::host_key, c.pubkey_accepted_algorithms)}) {
    if (!r) return std::unexpected(r.error());
  }
  flag("compression", c.compression);
  if (auto* v = first("connecttimeout")) c.connect_timeout = seconds((*v)[0]);
  integer("connectionattempts", c.connection_attempts);
  if (auto* v = first("serveraliveinterval")) c.server_alive_interval = std::max(0, seconds((*v)[0]));
  integer("serveralivecountmax", c.server_alive_count_max);
  flag("tcpkeepalive", c.tcp_keep_alive);
  if (auto* v = first("requesttty")) {
    const auto& s = (*v)[0];
    c.request_tty = detail::parse_choice(s, "yes|true")   ? RequestTty::yes
                    : detail::parse_choice(s, "no|false") ? RequestTty::no
                    : detail::parse_choice(s, "force")    ? RequestTty::force
                                                          : RequestTty::automatic;
  }
  if (auto it = set_.find("sendenv"); it != set_.end()) {
    for (const auto& r : it->second) {
      for (const auto& a : r.args) {
        if (!a.starts_with("-")) {
          c.send_env.push_back(a);
          continue;
        }
        // "-pattern" drops the names sent so far that it matches (ssh's rm_env).
        const std::string pattern = a.substr(1);
        std::erase_if(c.send_env, [&](const std::string& e) { return wire::match_glob(e, pattern); });
      }
    }
  }
  if (auto* v = first("setenv")) c.set_env = *v;
  if (auto* v = first("escapechar")) {
    const auto& s = (*v)[0];
    c.escape_char = s == "none" ? -1 : s.size() == 2 ? (s[1] & 31) : static_cast<unsigned char>(s[0]);
  }
  if (auto* v = first("loglevel")) c.log_level = upper((*v)[0]);
  flag("batchmode", c.batch_mode);
  // Debian's ssh: BatchMode without a ServerAliveInterval probes every 300 seconds.
  if (c.batch_mode && !first("serveraliveinterval")) c.server_alive_interval = 300;
  if (auto* v = first("addressfamily")) {
    c.address_family = (*v)[0] == "inet" ? AddressFamily::inet : (*v)[0] == "inet6" ? AddressFamily::inet6 : AddressFamily::any;
  }
  if (auto* v = first("bindaddress")) c.bind_address = (*v)[0];
  if (auto* v = first("rekeylimit")) {
    if ((*v)[0] != "default") c.rekey_limit.bytes = *parse_size((*v)[0]);
    if (v->size() > 1 && (*v)[1] != "none") c.rekey_limit.seconds = static_cast<std::uint32_t>(*parse_time((*v)[1]));
  }
  for (const auto& [key, raws] : set_) {
    static constexpr std::string_view kTyped[] = {
        "user", "port", "hostname", "identityfile", "identitiesonly", "userknownhostsfile", "globalknownhostsfile",
        "stricthostkeychecking", "hashknownhosts", "visualhostkey", "preferredauthentications",
        "passwordauthentication", "kbdinteractiveauthentication", "numberofpasswordprompts",
        "ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms", "compression",
        "connecttimeout", "connectionattempts", "serveraliveinterval", "serveralivecountmax", "tcpkeepalive",
        "requesttty", "sendenv", "setenv", "escapechar", "loglevel", "batchmode", "addressfamily", "bindaddress",
        "rekeylimit"};
    if (std::find(std::begin(kTyped), std::end(kTyped), key) != std::end(kTyped)) continue;
    auto& out = c.other[key];
    for (const auto& r : raws) {
      std::string joined;
      for (const auto& a : r.args) joined += (joined.empty() ? "" : " ") + a;
      out.push_back(r.rest.empty() ? joined : r.rest);
    }
  }
  // ssh expands these once the configuration is known (and ssh -G shows them so).
  for (auto& f : c.user_known_hosts_files) {
    auto e = expand_tokens(f, c, ctx_);
    if (!e) return std::unexpected(e.error());
    f = *e;
  }
  if (auto it = c.other.find("controlpath"); it != c.other.end() && it->second.front() != "none") {
    auto e = expand_tokens(expand_tilde(it->second.front(), ctx_.home), c, ctx_);
    if (!e) return std::unexpected(e.error());
    it->second.front() = *e;
  }
  return c;
}

std::string dump_client_config(const ClientConfig& c) {
  std::string out;
  auto line = [&](std::string_view k, std::string_view v) {
    out.append(k).append(" ").append(v).append("\n");
  };
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  auto join = [](const std::vector<std::string>& v, std::string_view sep) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : std::string(sep)) + e;
    return s;
  };
  auto kept = [&](std::string_view k) {
    if (auto it = c.other.find(std::string(k)); it != c.other.end()) {
      for (const auto& v : it->second) line(k, v);
    }
  };
  line("host", c.host);
  line("user", c.user);
  line("hostname", c.hostname);
  line("port", std::to_string(c.port));
  line("addressfamily", c.address_family == AddressFamily::inet    ? "inet"
                        : c.address_family == AddressFamily::inet6 ? "inet6"
                                                                   : "any");
  line("batchmode", yn(c.batch_mode));
  line("compression", yn(c.compression));
  if (auto v = c.get("controlmaster")) {
    line("controlmaster", detail::parse_choice(*v, "yes|true") ? "true" : detail::parse_choice(*v, "no|false") ? "false" : *v);
  } else {
    line("controlmaster", "false");
  }
  line("forwardx11", c.get("forwardx11") && yes(*c.get("forwardx11")) ? "yes" : "no");
  line("hashknownhosts", yn(c.hash_known_hosts));
  line("identitiesonly", yn(c.identities_only));
  line("kbdinteractiveauthentication", yn(c.kbd_interactive_authentication));
  line("passwordauthentication", yn(c.password_authentication));
  // PubkeyAuthentication is a multistate in ssh: "unbound" and "host-bound" show as such.
  const auto pk = c.get("pubkeyauthentication").value_or("yes");
  line("pubkeyauthentication", yes(pk) ? "true" : detail::parse_choice(pk, "no|false") ? "false" : pk);
  static constexpr const char* kTty[] = {"auto", "false", "true", "force"};
  line("requesttty", kTty[static_cast<int>(c.request_tty)]);
  static constexpr const char* kStrict[] = {"false", "true", "ask", "accept-new"};
  line("stricthostkeychecking", kStrict[static_cast<int>(c.strict_host_key_checking)]);
  line("tcpkeepalive", yn(c.tcp_keep_alive));
  line("visualhostkey", yn(c.visual_host_key));
  line("connectionattempts", std::to_string(c.connection_attempts));
  line("numberofpasswordprompts", std::to_string(c.number_of_password_prompts));
  line("serveralivecountmax", std::to_string(c.server_alive_count_max));
  line("serveraliveinterval", std::to_string(c.server_alive_interval));
  if (!c.bind_address.empty()) line("bindaddress", c.bind_address);
  line("ciphers", join(c.ciphers, ","));
  kept("controlpath");
  line("hostkeyalgorithms", join(c.host_key_algorithms, ","));
  line("kexalgorithms", join(c.kex_algorithms, ","));
  line("loglevel", c.log_level);
  line("macs", join(c.macs, ","));
  if (!c.preferred_authentications.empty()) line("preferredauthentications", c.preferred_authentications);
  line("pubkeyacceptedalgorithms", join(c.pubkey_accepted_algorithms, ","));
  for (auto k : {"dynamicforward", "localforward", "remoteforward"}) {
    if (auto it = c.other.find(k); it != c.other.end()) {
      for (const auto& v : it->second) line(k, forward_spec(v));
    }
  }
  for (const auto& f : c.identity_files) line("identityfile", f);
  kept("certificatefile");
  line("globalknownhostsfile", join(c.global_known_hosts_files, " "));
  line("userknownhostsfile", join(c.user_known_hosts_files, " "));
  for (const auto& e : c.send_env) line("sendenv", e);
  for (const auto& e : c.set_env) line("setenv", e);
  if (auto v = c.get("forwardagent")) {
    line("forwardagent", yes(*v) ? "yes" : detail::parse_choice(*v, "no|false") ? "no" : *v);
  } else {
    line("forwardagent", "no");
  }
  line("connecttimeout", c.connect_timeout < 0 ? "none" : std::to_string(c.connect_timeout));
  if (auto v = c.get("controlpersist")) {
    auto t = parse_time(*v);
    line("controlpersist", detail::parse_choice(*v, "yes|true|no|false") || !t ? *v : std::to_string(*t));
  } else {
    line("controlpersist", "no");
  }
  std::string esc;
  if (c.escape_char < 0) {
    esc = "none";
  } else if (c.escape_char < 32) {
    esc = std::string("\\^") + static_cast<char>(c.escape_char + '@');
  } else {
    esc = std::string(1, static_cast<char>(c.escape_char));
  }
  line("escapechar", esc);
  line("rekeylimit", std::to_string(c.rekey_limit.bytes) + " " + std::to_string(c.rekey_limit.seconds));
  for (auto k : {"proxyjump", "proxycommand", "localcommand", "remotecommand"}) kept(k);
  return out;
}

}  // namespace skiff::config
