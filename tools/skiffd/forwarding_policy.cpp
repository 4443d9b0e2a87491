#include "forwarding_policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "wire/glob.hpp"

namespace skiffd {
namespace {

constexpr unsigned kLocal = 1, kRemote = 2;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The words of a kept sshd_config line's first occurrence (first value wins, as sshd).
std::vector<std::string> words_of(const skiff::config::ServerConfig& c, std::string_view keyword) {
  std::vector<std::string> out;
  auto v = c.get(keyword);
  if (!v) return out;
  std::size_t p = 0;
  while (p < v->size()) {
    const std::size_t sp = std::min(v->find(' ', p), v->size());
    if (sp > p) out.push_back(v->substr(p, sp - p));
    p = sp + 1;
  }
  return out;
}

// a2port, or '*': kAnyPort; -1 when neither (permitopen_port).
int permission_port(std::string_view p) {
  if (p == "*") return ForwardingPolicy::kAnyPort;
  int port = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port <= 0 || port > 65535) return -1;
  return port;
}

// process_permitopen_list: "any" (or nothing) adds nothing, "none" one disabled entry.
void admin_list(PermissionSet& set, const std::vector<std::string>& words, bool listen) {
  if (words.empty() || (words.size() == 1 && words[0] == "any")) return;
  if (words.size() == 1 && words[0] == "none") {
    set.admin.push_back({});
    return;
  }
  for (const auto& w : words) {
    // The configuration layer checked the syntax as sshd does; a line it let through that
    // does not parse here is skipped rather than allowing more.
    if (auto p = parse_forward_permission(w, listen)) set.admin.push_back(*p);
  }
}

void disable(PermissionSet& set) {
  set.admin.clear();
  set.admin.push_back({});
}

// open_match: the host compared exactly, '*' for any host, kAnyPort for any port.
bool open_match(const ForwardPermission& p, std::string_view host, int port) {
  if (!p.host) return false;
  if (p.port != ForwardingPolicy::kAnyPort && p.port != port) return false;
  return *p.host == "*" || *p.host == host;
}

// remote_open_match: a Unix-socket listen matches every entry (sshd has no list for them);
// a TCP one matches the entry's host as a pattern against the lowered requested host.
bool listen_match(const ForwardPermission& p, std::optional<std::string_view> host, int port) {
  if (!host) return true;
  if (!p.host) return false;
  if (p.port != ForwardingPolicy::kAnyPort && p.port != port) return false;
  return skiff::wire::match_glob(lower(*host), *p.host);
}

template <class Match>
bool permitted(const PermissionSet& set, Match match) {
  const bool user = set.all_permitted || std::any_of(set.user.begin(), set.user.end(), match);
  const bool admin = set.admin.empty() || std::any_of(set.admin.begin(), set.admin.end(), match);
  return user && admin;
}

}  // namespace

std::optional<ForwardPermission> parse_forward_permission(std::string_view text, bool bare_port_means_any) {
  std::string owned;
  if (bare_port_means_any && text.find(':') == std::string_view::npos) {
    owned = "*:" + std::string(text);
    text = owned;
  }
  std::string_view host, rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(0, close + 1);
    rest = text.substr(close + 2);
  } else {
    const auto d = text.find_first_of(":/");
    if (d == std::string_view::npos || text[d] != ':') return std::nullopt;
    host = text.substr(0, d);
    rest = text.substr(d + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const int port = permission_port(rest);
  if (port < 0) return std::nullopt;
  return ForwardPermission{std::string(host), port};
}

unsigned parse_forward_directions(std::string_view value) {
  const std::string v = lower(value);
  if (v == "no") return 0;
  if (v == "local") return kLocal;
  if (v == "remote") return kRemote;
  return kLocal | kRemote;
}

ForwardingPolicy::ForwardingPolicy(const skiff::config::ServerConfig& config,
                                   const std::optional<skiff::keys::AuthorizedKeyOptions>& key,
                                   std::string peer_address, std::uint16_t peer_port)
    : peer_address_(std::move(peer_address)), peer_port_(peer_port) {
  if (auto v = config.get("allowtcpforwarding")) allow_tcp_ = parse_forward_directions(*v);
  if (auto v = config.get("allowstreamlocalforwarding")) allow_streamlocal_ = parse_forward_directions(*v);
  if (auto v = config.get("disableforwarding")) disabled_ = lower(*v) == "yes";
  if (auto v = config.get("gatewayports")) {
    const std::string g = lower(*v);
    gateway_ = g == "yes" ? GatewayPorts::yes : g == "clientspecified" ? GatewayPorts::clientspecified : GatewayPorts::no;
  }
  if (auto v = config.get("streamlocalbindmask")) {
    unsigned mask = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), mask, 8);
    if (ec == std::errc() && end == v->data() + v->size() && mask <= 0777) bind_mask_ = mask;
  }
  if (auto v = config.get("streamlocalbindunlink")) bind_unlink_ = lower(*v) == "yes";
  family_ = config.address_family;
  key_permits_ = !key || key->port_forwarding;

  // The order of auth.c's process_permitopen, then session.c's do_authenticated.
  admin_list(local_, words_of(config, "permitopen"), false);
  admin_list(remote_, words_of(config, "permitlisten"), true);
  if (key && (allow_tcp_ & kLocal)) {
    for (const auto& s : key->permitopen) {
      if (auto p = parse_forward_permission(s, false)) local_.user.push_back(*p);
    }
  }
  if (key && (allow_tcp_ & kRemote)) {
    for (const auto& s : key->permitlisten) {
      if (auto p = parse_forward_permission(s, true)) remote_.user.push_back(*p);
    }
  }
  if (!key_permits_ || disabled_) {
    disable(local_);
    disable(remote_);
  } else {
    if (!(allow_tcp_ & kLocal)) {
      disable(local_);
    } else if (local_.user.empty()) {
      local_.all_permitted = true;
    }
    if (!(allow_tcp_ & kRemote)) {
      disable(remote_);
    } else if (remote_.user.empty()) {
      remote_.all_permitted = true;
    }
  }
}

ForwardDecision ForwardingPolicy::direct_tcpip(std::string_view host, std::uint32_t port, std::string_view originator,
                                               std::uint32_t originator_port) const {
  ForwardDecision d;
  if (port > 0xFFFF || originator_port > 0xFFFF) {
    d.log_line = port > 0xFFFF ? "server_request_direct_tcpip: invalid target port"
                               : "server_request_direct_tcpip: invalid originator port";
    d.log_error = true;
    return d;
  }
  if (!(allow_tcp_ & kLocal) || !key_permits_ || disabled_) {
    d.log_line = "refused local port forward: originator " + std::string(originator) + " port " +
                 std::to_string(originator_port) + ", target " + std::string(host) + " port " + std::to_string(port);
    return d;
  }
  const int p = static_cast<int>(port);
  if (!permitted(local_, [&](const ForwardPermission& e) { return open_match(e, host, p); })) {
    d.log_line = "Received request from " + peer_address_ + " port " + std::to_string(peer_port_) +
                 " to connect to host " + std::string(host) + " port " + std::to_string(port) +
                 ", but the request was denied.";
    return d;
  }
  d.allowed = true;
  return d;
}

ForwardDecision ForwardingPolicy::direct_streamlocal(std::string_view path, std::string_view originator,
                                                     std::uint32_t originator_port) const {
  ForwardDecision d;
  d.reason = 2;  // sshd leaves its default, "connect failed", for every refusal here
  if (originator_port > 0xFFFF) {
    d.log_line = "server_request_direct_streamlocal: invalid originator port";
    d.log_error = true;
    return d;
  }
  if (!(allow_streamlocal_ & kLocal) || !key_permits_ || disabled_) {
    d.log_line = "refused streamlocal port forward: originator " + std::string(originator) + " port " +
                 std::to_string(originator_port) + ", target " + std::string(path);
    return d;
  }
  if (!permitted(local_, [&](const ForwardPermission& e) { return open_match(e, path, kStreamLocalPort); })) {
    d.log_line = "Received request to connect to path " + std::string(path) + ", but the request was denied.";
    return d;
  }
  d.allowed = true;
  return d;
}

ForwardDecision ForwardingPolicy::tcpip_forward(std::string_view address, std::uint32_t port, bool want_reply) const {
  ForwardDecision d;
  // These refusals are only a debug message to the client in sshd ("Server has disabled
  // port forwarding."): nothing is logged. Ports below 1024 are the system's to refuse
  // to a user who is not root (Privileged::listen_tcp), as in sshd's unprivileged child.
  if (port > 0xFFFF || !(allow_tcp_ & kRemote) || !key_permits_ || disabled_ || (!want_reply && port == 0)) return d;
  const int p = static_cast<int>(port);
  if (!permitted(remote_, [&](const ForwardPermission& e) { return listen_match(e, address, p); })) {
    d.log_line = "Received request from " + peer_address_ + " port " + std::to_string(peer_port_) +
                 " to remote forward to host " + std::string(address) + " port " + std::to_string(port) +
                 ", but the request was denied.";
    return d;
  }
  d.allowed = true;
  return d;
}

ForwardDecision ForwardingPolicy::streamlocal_forward(std::string_view path) const {
  ForwardDecision d;
  if (!(allow_streamlocal_ & kRemote) || !key_permits_ || disabled_) return d;
  if (!permitted(remote_, [&](const ForwardPermission& e) { return listen_match(e, std::nullopt, 0); })) {
    d.log_line = "Received request from " + peer_address_ + " port " + std::to_string(peer_port_) +
                 " to remote forward to path \"" + std::string(path) + "\", but the request was denied.";
    return d;
  }
  d.allowed = true;
  return d;
}

BindPlan ForwardingPolicy::bind_plan(std::string_view address) const {
  BindPlan b;
  const bool loopback_number = address == "127.0.0.1" || address == "::1";
  if (gateway_ != GatewayPorts::no) {
    if (address.empty() || address == "*" || gateway_ == GatewayPorts::yes) {
      b.wildcard = true;
      b.overridden = !address.empty() && address != "0.0.0.0" && address != "*";
    } else if (address != "localhost" || loopback_number) {
      b.address = std::string(address);
    }
  } else if (loopback_number) {
    b.address = std::string(address);
  }
  return b;
}

}  // namespace skiffd
