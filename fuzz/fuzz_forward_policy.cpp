// skiffd's forwarding policy (tools/skiffd/forwarding_policy.hpp): PermitOpen /
// PermitListen values and authorized_keys permitopen= / permitlisten= strings parsed into
// permissions, then the decisions on what a client sends (hosts, ports, paths, listen
// addresses). Input: NUL-separated fields; the first byte picks the switches.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "skiffd/forwarding_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  std::vector<std::string> f;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  while (f.size() < 8) {
    const auto nul = rest.find('\0');
    f.emplace_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  f.resize(8);
  skiff::config::ServerConfig c;
  static constexpr const char* kDirections[] = {"yes", "no", "local", "remote"};
  c.other["allowtcpforwarding"] = {kDirections[flags & 3]};
  c.other["allowstreamlocalforwarding"] = {kDirections[(flags >> 2) & 3]};
  c.other["gatewayports"] = {(flags & 16) ? "clientspecified" : (flags & 32) ? "yes" : "no"};
  c.other["permitopen"] = {f[0]};
  c.other["permitlisten"] = {f[1]};
  c.other["streamlocalbindmask"] = {f[2]};
  std::optional<skiff::keys::AuthorizedKeyOptions> key;
  if (flags & 64) {
    key.emplace();
    key->permitopen = {f[3]};
    key->permitlisten = {f[4]};
    key->port_forwarding = (flags & 128) == 0;
  }
  const skiffd::ForwardingPolicy p(c, key, "192.0.2.1", 22);
  std::uint32_t port = 0;
  for (std::size_t i = 0; i < f[6].size() && i < 4; ++i) port = (port << 8) | static_cast<std::uint8_t>(f[6][i]);
  (void)p.direct_tcpip(f[5], port, f[7], port >> 8);
  (void)p.direct_streamlocal(f[5], f[7], port);
  (void)p.tcpip_forward(f[5], port, (flags & 1) != 0);
  (void)p.streamlocal_forward(f[5]);
  (void)p.bind_plan(f[5]);
  (void)skiffd::parse_forward_permission(f[5], (flags & 2) != 0);
  return 0;
}
