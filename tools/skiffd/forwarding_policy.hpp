// Which forwardings a logged-in user may do, decided as sshd 9.2 does (serverloop.c's
// checks before any socket, then channels.c's permission sets), with sshd's log lines.
// Pure: no sockets, no clock; forwarding.cpp acts on the answers.
//
// sshd keeps two permission sets, "local" (opens: direct-tcpip, direct-streamlocal) and
// "remote" (listens: tcpip-forward, streamlocal-forward), each with a user list (the
// authorized_keys permitopen= / permitlisten= of the key that logged in), an admin list
// (PermitOpen / PermitListen) and an all_permitted flag (set when forwarding is allowed
// and the user list is empty). A request passes when (all_permitted or a user entry
// matches) and (the admin list is empty or an admin entry matches). A disabled direction
// gets one admin entry that matches nothing. Quirks kept on purpose, because clients see
// them from sshd: Unix-socket opens are matched against the TCP lists (port -2), so
// AllowTcpForwarding no also refuses them; streamlocal-forward matches every entry, so
// PermitListen does not restrict it but an empty remote set does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/sshd_config.hpp"
#include "keys/authorized_keys.hpp"

namespace skiffd {

enum class GatewayPorts : std::uint8_t { no, yes, clientspecified };

// Where an open or a listen may go: host (or listen host pattern) and port; no host: an
// entry that matches nothing (sshd's channel_disable_admin).
struct ForwardPermission {
  std::optional<std::string> host;
  int port = 0;  // kAnyPort for '*'
  bool operator==(const ForwardPermission&) const = default;
};

struct PermissionSet {
  bool all_permitted = false;
  std::vector<ForwardPermission> user, admin;
};

// The outcome of one check. allowed false: log_line (if not empty) goes to the log at
// INFO ("logit"), and an open is refused with reason (RFC 4254 5.1) and "open failed".
struct ForwardDecision {
  bool allowed = false;
  std::string log_line;
  std::uint32_t reason = 1;  // administratively prohibited
  bool log_error = false;    // log_line is sshd's error() (a malformed request), not logit()
};

// channel_fwd_bind_addr for a server: what to bind for a tcpip-forward's address.
struct BindPlan {
  std::optional<std::string> address;  // a name or number to resolve; none: see wildcard
  bool wildcard = false;               // none + wildcard: every address; none alone: loopback
  bool overridden = false;             // GatewayPorts yes replaced a specific address
};

class ForwardingPolicy {
 public:
  static constexpr int kAnyPort = 0;          // FWD_PERMIT_ANY_PORT
  static constexpr int kStreamLocalPort = -2;  // PORT_STREAMLOCAL

  // config: the user's (Match applied); key: the merged authorized_keys options of the
  // login, if a key was used. peer_address/peer_port: for the log lines.
  ForwardingPolicy(const skiff::config::ServerConfig& config, const std::optional<skiff::keys::AuthorizedKeyOptions>& key,
                   std::string peer_address, std::uint16_t peer_port);

  ForwardDecision direct_tcpip(std::string_view host, std::uint32_t port, std::string_view originator,
                               std::uint32_t originator_port) const;
  ForwardDecision direct_streamlocal(std::string_view path, std::string_view originator,
                                     std::uint32_t originator_port) const;
  ForwardDecision tcpip_forward(std::string_view address, std::uint32_t port, bool want_reply) const;
  ForwardDecision streamlocal_forward(std::string_view path) const;

  BindPlan bind_plan(std::string_view address) const;
  GatewayPorts gateway_ports() const { return gateway_; }
  skiff::config::AddressFamily address_family() const { return family_; }
  unsigned stream_local_bind_mask() const { return bind_mask_; }
  bool stream_local_bind_unlink() const { return bind_unlink_; }

  const PermissionSet& local() const { return local_; }
  const PermissionSet& remote() const { return remote_; }

 private:
  unsigned allow_tcp_ = 3, allow_streamlocal_ = 3;  // bit 1: local, bit 2: remote
  bool disabled_ = false;      // DisableForwarding
  bool key_permits_ = true;    // no no-port-forwarding / restrict on the key
  GatewayPorts gateway_ = GatewayPorts::no;
  skiff::config::AddressFamily family_ = skiff::config::AddressFamily::any;
  unsigned bind_mask_ = 0177;
  bool bind_unlink_ = false;
  PermissionSet local_, remote_;
  std::string peer_address_;
  std::uint16_t peer_port_ = 0;
};

// "host:port" as hpdelim + cleanhostname + permitopen_port read it (port '*' is kAnyPort);
// a bare port is "*:port" when bare_port_means_any (PermitListen, permitlisten=).
// nullopt when it is not of that form.
std::optional<ForwardPermission> parse_forward_permission(std::string_view text, bool bare_port_means_any);

// sshd's AllowTcpForwarding / AllowStreamLocalForwarding values: yes/all 3, local 1,
// remote 2, no 0 (case-insensitive; anything else: yes).
unsigned parse_forward_directions(std::string_view value);

}  // namespace skiffd
