#include "server_options.hpp"

#include <string_view>

#include "crypto/hash.hpp"
#include "io/file_io.hpp"
#include "transport/messages.hpp"

namespace skiffd {
namespace {

// Where sshd takes its group-exchange moduli from.
constexpr const char* kModuliFile = "/etc/ssh/moduli";
constexpr std::size_t kMaxModuliBytes = 1024 * 1024;
// Group-exchange groups kept per size (sshd picks one at random among a size's lines).
constexpr std::size_t kModuliGroupsPerSize = 8;
// A banner is meant for a screen; sshd sends the whole file, skiffd caps what it reads.
constexpr std::size_t kMaxBannerBytes = 64 * 1024;

skiff::TransportConfig transport_config(const Setup& setup, const skiff::config::ServerConfig& c) {
  skiff::TransportConfig t;
  t.role = skiff::Role::server;
  t.host_keys = setup.host_keys;
  t.ciphers = c.ciphers;
  t.macs = c.macs;
  t.kex_algorithms = c.kex_algorithms;
  t.host_key_algorithms = c.host_key_algorithms;
  t.rekey_bytes = c.rekey_limit.bytes;
  t.rekey_interval = std::chrono::seconds(c.rekey_limit.seconds);
  // Read only when a client negotiates group exchange, and then a few groups of each size,
  // decoded: the whole file (570 KB of hex here) took 3.5 ms to decode and 1 MB of every
  // connection process's memory; even the sampling scan cost every connection ~1 ms.
  t.gex_groups_loader = [moduli = c.get("modulifile").value_or(kModuliFile)] {
    std::vector<skiff::DhGexGroup> groups;
    if (auto text = skiff::io::read_file(moduli, kMaxModuliBytes))
      groups = skiff::parse_moduli(*text, kModuliGroupsPerSize);
    return groups;
  };
  return t;
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> timing_secret_from(const std::vector<std::string>& host_key_file_texts) {
  skiff::crypto::Hash h(skiff::crypto::HashAlg::sha512);
  constexpr std::string_view kLabel = "skiffd timing secret v2";
  h.update(skiff::ByteView(reinterpret_cast<const std::uint8_t*>(kLabel.data()), kLabel.size()));
  for (const auto& text : host_key_file_texts) {
    const std::uint64_t n = text.size();  // lengths first: no two lists hash alike
    h.update(skiff::ByteView(reinterpret_cast<const std::uint8_t*>(&n), sizeof n));
    h.update(skiff::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  auto digest = h.finish();
  return {digest.begin(), digest.end()};
}

skiff::UserAuthMethods offered_methods(const skiff::config::ServerConfig& c) {
  skiff::UserAuthMethods m;
  if (c.pubkey_authentication) m.methods.emplace_back("publickey");
  // keyboard-interactive is a PAM conversation; without PAM sshd has none to offer.
  if (c.kbd_interactive_authentication && c.use_pam) m.methods.emplace_back("keyboard-interactive");
  if (c.password_authentication) m.methods.emplace_back("password");
  for (const auto& list : c.authentication_methods) {
    if (list == "any") {
      m.authentication_methods.clear();
      break;
    }
    m.authentication_methods.push_back(split_commas(list));
  }
  return m;
}

skiff::ServerOptions make_server_options(const Setup& setup, const skiff::config::ServerConfig& c) {
  skiff::ServerOptions o;
  o.transport = transport_config(setup, c);
  auto offered = offered_methods(c);
  o.methods = std::move(offered.methods);
  o.authentication_methods = std::move(offered.authentication_methods);
  o.max_auth_tries = c.max_auth_tries > 0 ? static_cast<unsigned>(c.max_auth_tries) : 0;
  if (!c.banner.empty() && c.banner != "none") {
    if (auto text = skiff::io::read_file(c.banner, kMaxBannerBytes)) o.banner = std::move(*text);
  }
  o.login_grace_time = std::chrono::seconds(c.login_grace_time);
  o.pubkey_accepted_algorithms = c.pubkey_accepted_algorithms;
  o.timing_secret = setup.timing_secret;
  o.max_sessions = c.max_sessions > 0 ? static_cast<unsigned>(c.max_sessions) : 0;
  o.client_alive_interval = std::chrono::seconds(c.client_alive_interval);
  o.client_alive_count_max = c.client_alive_count_max > 0 ? static_cast<unsigned>(c.client_alive_count_max) : 0;
  return o;
}

}  // namespace skiffd
