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

}  // namespace skiff::config
