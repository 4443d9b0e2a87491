#include "forward_spec.hpp"

#include <charconv>

namespace skiff::cli {
namespace {

// sockaddr_un's sun_path and NI_MAXHOST, as ssh bounds the fields.
constexpr std::size_t kMaxPath = 108;
constexpr std::size_t kMaxHost = 1025;

struct Field {
  std::string arg;
  bool is_path = false;
};

// parse_fwd_field(): one field from `rest`; false at the end or on a bad field.
bool next_field(std::string_view& rest, bool& done, Field& out) {
  if (done || rest.empty()) return false;
  out = {};
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return false;
    if (close + 1 < rest.size() && rest[close + 1] != ':') return false;
    out.arg = std::string(rest.substr(1, close - 1));
    out.is_path = out.arg.find('/') != std::string::npos;
    if (close + 1 >= rest.size()) {
      done = true;
      rest = {};
    } else {
      rest.remove_prefix(close + 2);
      if (rest.empty()) done = true;
    }
    return true;
  }
  std::size_t i = 0;
  while (i < rest.size()) {
    char c = rest[i];
    if (c == '\\') {
      if (i + 1 >= rest.size()) return false;
      out.arg.push_back(rest[i + 1]);
      if (rest[i + 1] == '/') out.is_path = true;
      i += 2;
      continue;
    }
    if (c == ':') break;
    if (c == '/') out.is_path = true;
    out.arg.push_back(c);
    ++i;
  }
  if (i >= rest.size()) {
    rest = {};
    done = true;
  } else {
    rest.remove_prefix(i + 1);
    if (rest.empty()) done = true;
  }
  return true;
}

// a2port(): 0..65535, -1 otherwise (skiff reads no service names).
int to_port(std::string_view s) {
  int v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 65535) return -1;
  return v;
}

}  // namespace

std::optional<ForwardSpec> parse_forward(std::string_view spec, bool dynamic, bool remote) {
  while (!spec.empty() && (spec.front() == ' ' || spec.front() == '\t')) spec.remove_prefix(1);
  Field f[4];
  int n = 0;
  bool done = false;
  std::string_view rest = spec;
  while (n < 4 && next_field(rest, done, f[n])) ++n;
  if (!rest.empty()) return std::nullopt;  // trailing garbage (a fifth field)
  ForwardSpec fwd;
  bool listen_port_set = false;
  switch (n) {
    case 1:
      if (f[0].is_path) {
        fwd.listen_path = f[0].arg;
      } else {
        fwd.listen_port = to_port(f[0].arg);
        listen_port_set = true;
      }
      fwd.connect_host = "socks";
      break;
    case 2:
      if (f[0].is_path && f[1].is_path) {
        fwd.listen_path = f[0].arg;
        fwd.connect_path = f[1].arg;
      } else if (f[1].is_path) {
        fwd.listen_port = to_port(f[0].arg);
        listen_port_set = true;
        fwd.connect_path = f[1].arg;
      } else {
        fwd.listen_host = f[0].arg;
        fwd.listen_port = to_port(f[1].arg);
        listen_port_set = true;
        fwd.connect_host = "socks";
      }
      break;
    case 3:
      if (f[0].is_path) {
        fwd.listen_path = f[0].arg;
        fwd.connect_host = f[1].arg;
        fwd.connect_port = to_port(f[2].arg);
      } else if (f[2].is_path) {
        fwd.listen_host = f[0].arg;
        fwd.listen_port = to_port(f[1].arg);
        listen_port_set = true;
        fwd.connect_path = f[2].arg;
      } else {
        fwd.listen_port = to_port(f[0].arg);
        listen_port_set = true;
        fwd.connect_host = f[1].arg;
        fwd.connect_port = to_port(f[2].arg);
      }
      break;
    case 4:
      fwd.listen_host = f[0].arg;
      fwd.listen_port = to_port(f[1].arg);
      listen_port_set = true;
      fwd.connect_host = f[2].arg;
      fwd.connect_port = to_port(f[3].arg);
      break;
    default:
      return std::nullopt;
  }
  if (dynamic) {
    if (n != 1 && n != 2) return std::nullopt;
  } else {
    if (n != 3 && n != 4 && fwd.connect_path.empty() && fwd.listen_path.empty()) return std::nullopt;
    if (fwd.connect_port <= 0 && fwd.connect_path.empty()) {
      // "-R [bind:]port" reaches here as a dynamic remote forward only through `dynamic`.
      return std::nullopt;
    }
  }
  if (fwd.listen_path.empty() && listen_port_set && (fwd.listen_port < 0 || (!remote && fwd.listen_port == 0))) {
    return std::nullopt;
  }
  if (fwd.connect_host.size() >= kMaxHost || fwd.connect_path.size() >= kMaxPath) return std::nullopt;
  if ((fwd.listen_host && fwd.listen_host->size() >= kMaxHost) || fwd.listen_path.size() >= kMaxPath) {
    return std::nullopt;
  }
  if (fwd.connect_port < 0) return std::nullopt;
  return fwd;
}

std::string forward_from_config(std::string_view kept) {
  std::string s(kept);
  if (auto space = s.find(' '); space != std::string::npos) s[space] = ':';
  return s;
}

std::string listen_text(const ForwardSpec& f, std::string_view none_text) {
  if (f.listens_on_path()) return f.listen_path;
  return f.listen_host ? *f.listen_host : std::string(none_text);
}

std::string connect_text(const ForwardSpec& f) { return f.connects_to_path() ? f.connect_path : f.connect_host; }

BindChoice local_bind_address(const std::optional<std::string>& listen_host, bool gateway_ports) {
  BindChoice b;
  if (!listen_host) {
    b.wildcard = gateway_ports;
  } else if (listen_host->empty() || *listen_host == "*") {
    b.wildcard = true;  // an explicit "*" or "" opens to all, whatever GatewayPorts says
  } else if (*listen_host != "localhost") {
    b.address = *listen_host;  // "localhost" means the loopback addresses: NULL, not passive
  }
  return b;
}

std::string remote_bind_host(const std::optional<std::string>& listen_host) {
  if (!listen_host) return "localhost";
  if (listen_host->empty() || *listen_host == "*") return "";
  return *listen_host;
}

Result<PermitRemoteOpen> PermitRemoteOpen::parse(const std::vector<std::string>& entries) {
  PermitRemoteOpen p;
  if (entries.empty() || (entries.size() == 1 && entries[0] == "any")) return p;
  p.any_ = false;
  if (entries.size() == 1 && entries[0] == "none") return p;
  for (const auto& e : entries) {
    std::string_view s = e, host, port;
    if (s.starts_with("[")) {
      auto close = s.find(']');
      if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
        return fail(Errc::invalid_argument, "missing host in permitremoteopen");
      }
      host = s.substr(1, close - 1);
      port = s.substr(close + 2);
    } else {
      auto colon = s.find(':');
      if (colon == std::string_view::npos) return fail(Errc::invalid_argument, "bad port number in permitremoteopen");
      host = s.substr(0, colon);
      port = s.substr(colon + 1);
    }
    if (host.empty()) return fail(Errc::invalid_argument, "missing host in permitremoteopen");
    Entry entry{std::string(host), -1};
    if (port != "*") {
      entry.port = to_port(port);
      if (entry.port <= 0) return fail(Errc::invalid_argument, "bad port number in permitremoteopen");
    }
    p.entries_.push_back(std::move(entry));
  }
  return p;
}

bool PermitRemoteOpen::allows(std::string_view host, std::uint32_t port) const {
  if (any_) return true;
  for (const auto& e : entries_) {
    if (e.port != -1 && static_cast<std::uint32_t>(e.port) != port) continue;
    if (e.host != "*" && e.host != host) continue;
    return true;
  }
  return false;
}

namespace {

struct Hop {
  std::string user, host;
  int port = -1;
};

// parse_ssh_uri() / parse_user_host_port() for one hop.
std::optional<Hop> parse_hop(std::string_view s) {
  Hop h;
  bool uri = s.starts_with("ssh://");
  if (uri) {
    s.remove_prefix(6);
    if (auto slash = s.find('/'); slash != std::string_view::npos) {
      if (slash + 1 != s.size()) return std::nullopt;  // a path: not for ssh
      s = s.substr(0, slash);
    }
  }
  if (auto at = s.rfind('@'); at != std::string_view::npos) {
    if (at == 0) return std::nullopt;
    h.user = std::string(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  std::string_view port;
  if (s.starts_with("[")) {
    auto close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    h.host = std::string(s.substr(1, close - 1));
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return std::nullopt;
      port = s.substr(close + 2);
    }
  } else {
    auto colon = s.find(':');
    h.host = std::string(s.substr(0, colon));
    if (colon != std::string_view::npos) port = s.substr(colon + 1);
  }
  if (h.host.empty()) return std::nullopt;
  if (!port.empty()) {
    h.port = to_port(port);
    if (h.port <= 0) return std::nullopt;
  }
  // Nothing a shell would act on may reach the ProxyCommand line (ssh_valid_hostname,
  // ssh_valid_ruser).
  for (char c : h.host + h.user) {
    if (std::string_view("'`\";&<>|(){}$\\ \t\n*?").find(c) != std::string_view::npos) return std::nullopt;
  }
  if (h.host.starts_with("-") || h.user.starts_with("-")) return std::nullopt;
  return h;
}

}  // namespace

Result<std::optional<std::string>> jump_proxy_command(const JumpInput& in) {
  std::string_view v = in.proxy_jump;
  if (v.size() == 4 && (v == "none" || v == "NONE" || v == "None")) return std::optional<std::string>{};
  if (auto hash = v.find('#'); hash != std::string_view::npos) v = v.substr(0, hash);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  std::string_view extra, last = v;
  if (auto comma = v.rfind(','); comma != std::string_view::npos) {
    extra = v.substr(0, comma);
    last = v.substr(comma + 1);
  }
  auto hop = parse_hop(last);
  if (!hop) return fail(Errc::invalid_argument, "Invalid ProxyJump \"" + std::string(in.proxy_jump) + "\"");
  // Each earlier hop is checked too (the spawned skiff parses them again).
  for (std::string_view rest = extra; !rest.empty();) {
    auto comma = rest.find(',');
    if (!parse_hop(rest.substr(0, comma))) {
      return fail(Errc::invalid_argument, "Invalid ProxyJump \"" + std::string(in.proxy_jump) + "\"");
    }
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  const int jump_port = hop->port <= 0 ? 22 : hop->port;
  const std::string& jump_user = hop->user.empty() ? in.user : hop->user;
  if (hop->host == in.host && jump_port == in.port && jump_user == in.user) {
    return fail(Errc::invalid_argument, "jumphost loop via " + hop->host);
  }
  std::string cmd = in.program;
  if (!hop->user.empty()) cmd += " -l " + hop->user;
  if (hop->port > 0) cmd += " -p " + std::to_string(hop->port);
  if (!extra.empty()) cmd += " -J " + std::string(extra);
  if (in.config_file) cmd += " -F " + *in.config_file;
  if (in.debug_level > 0) cmd += " -" + std::string(static_cast<std::size_t>(std::min(in.debug_level, 3)), 'v');
  cmd += " -W '[%h]:%p' " + hop->host;
  return std::optional<std::string>{cmd};
}

}  // namespace skiff::cli

namespace skiff::cli {

Result<ForwardingConfig> forwarding_from_config(const config::ClientConfig& cfg, const PathExpander& expand) {
  ForwardingConfig out;
  auto values = [&](const char* key) -> std::vector<std::string> {
    auto it = cfg.other.find(key);
    return it == cfg.other.end() ? std::vector<std::string>{} : it->second;
  };
  for (const auto& v : values("localforward")) {
    auto f = parse_forward(forward_from_config(v), false, false);
    if (!f) return fail(Errc::invalid_argument, "Bad local forwarding specification '" + v + "'");
    out.local.push_back(std::move(*f));
  }
  for (const auto& v : values("remoteforward")) {
    // One argument: a remote dynamic forward ("RemoteForward [bind:]port").
    // As ssh's -R: the forms with a destination first.
    const bool one_arg = v.find(' ') == std::string::npos;
    auto f = parse_forward(forward_from_config(v), false, true);
    if (!f && one_arg) f = parse_forward(v, true, true);
    if (!f) return fail(Errc::invalid_argument, "Bad remote forwarding specification '" + v + "'");
    out.remote.push_back(std::move(*f));
  }
  for (const auto& v : values("dynamicforward")) {
    auto f = parse_forward(v, true, false);
    if (!f) return fail(Errc::invalid_argument, "Bad dynamic forwarding specification '" + v + "'");
    out.dynamic.push_back(std::move(*f));
  }
  if (expand) {
    for (auto* list : {&out.local, &out.remote}) {
      for (auto& f : *list) {
        for (auto* path : {&f.listen_path, &f.connect_path}) {
          if (path->empty()) continue;
          auto e = expand(*path);
          if (!e) return std::unexpected(e.error());
          *path = std::move(*e);
        }
      }
    }
  }
  auto yes = [](const std::optional<std::string>& v) { return v && (*v == "yes" || *v == "true"); };
  out.gateway_ports = yes(cfg.get("gatewayports"));
  out.exit_on_failure = yes(cfg.get("exitonforwardfailure"));
  out.family = cfg.address_family;
  out.bind_unlink = yes(cfg.get("streamlocalbindunlink"));
  if (auto m = cfg.get("streamlocalbindmask")) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), v, 8);
    if (ec != std::errc() || end != m->data() + m->size() || v > 0777) {
      return fail(Errc::invalid_argument, "Bad mask '" + *m + "'");
    }
    out.bind_mask = v;
  }
  std::vector<std::string> opens;
  if (auto p = cfg.get("permitremoteopen")) {
    for (std::size_t from = 0; from <= p->size();) {
      auto space = p->find(' ', from);
      std::string word = p->substr(from, space == std::string::npos ? std::string::npos : space - from);
      if (!word.empty()) opens.push_back(word);
      if (space == std::string::npos) break;
      from = space + 1;
    }
  }
  auto permit = PermitRemoteOpen::parse(opens);
  if (!permit) return std::unexpected(permit.error());
  out.permit = std::move(*permit);
  return out;
}

std::vector<std::string> escape_command_help() {
  return {"Commands:",
          "      -L[bind_address:]port:host:hostport    Request local forward",
          "      -R[bind_address:]port:host:hostport    Request remote forward",
          "      -D[bind_address:]port                  Request dynamic forward",
          "      -KL[bind_address:]port                 Cancel local forward",
          "      -KR[bind_address:]port                 Cancel remote forward",
          "      -KD[bind_address:]port                 Cancel dynamic forward"};
}

EscapeCommand parse_escape_command(std::string_view s) {
  EscapeCommand c;
  auto skip_space = [&] {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  };
  skip_space();
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) return c;
  if (s.front() == 'h' || s.front() == 'H' || s.front() == '?') {
    c.action = EscapeCommand::Action::help;
    return c;
  }
  bool cancel = false;
  if (s.front() == 'K') {
    cancel = true;
    s.remove_prefix(1);
  }
  if (s.empty() || (s.front() != 'L' && s.front() != 'R' && s.front() != 'D')) {
    c.action = EscapeCommand::Action::invalid;
    c.message = "Invalid command.";
    return c;
  }
  c.type = s.front();
  s.remove_prefix(1);
  skip_space();
  std::optional<ForwardSpec> spec;
  if (cancel) {
    // As ssh: one or two fields ("[bind_address:]port"), read like a dynamic forward.
    spec = parse_forward(s, true, false);
    if (!spec) {
      c.action = EscapeCommand::Action::bad_spec;
      c.message = "Bad forwarding close specification.";
      return c;
    }
  } else if (c.type == 'R') {
    spec = parse_forward(s, false, true);
    if (!spec) spec = parse_forward(s, true, true);
    if (!spec) {
      c.action = EscapeCommand::Action::bad_spec;
      c.message = "Bad remote forwarding specification.";
      return c;
    }
  } else {
    spec = parse_forward(s, c.type == 'D', false);
    if (!spec) {
      c.action = EscapeCommand::Action::bad_spec;
      c.message = "Bad local forwarding specification.";
      return c;
    }
  }
  c.action = cancel ? EscapeCommand::Action::cancel : EscapeCommand::Action::add;
  c.spec = std::move(*spec);
  return c;
}

}  // namespace skiff::cli
