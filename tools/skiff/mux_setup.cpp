#include "mux_setup.hpp"

#include <fnmatch.h>
#include <strings.h>

#include <cstdlib>

#include "config/config_text.hpp"

extern char** environ;

namespace skiff::cli {

namespace {
bool is(const std::optional<std::string>& v, const char* word) { return v && strcasecmp(v->c_str(), word) == 0; }
}  // namespace

ControlMaster control_master_of(const config::ClientConfig& cfg) {
  auto v = cfg.get("controlmaster");
  if (is(v, "yes") || is(v, "true")) return ControlMaster::yes;
  if (is(v, "ask")) return ControlMaster::ask;
  if (is(v, "auto")) return ControlMaster::automatic;
  if (is(v, "autoask")) return ControlMaster::autoask;
  return ControlMaster::no;
}

std::optional<std::string> control_path_of(const config::ClientConfig& cfg) {
  auto v = cfg.get("controlpath");
  if (!v || v->empty() || strcasecmp(v->c_str(), "none") == 0) return std::nullopt;
  return v;
}

std::optional<std::chrono::seconds> control_persist_of(const config::ClientConfig& cfg) {
  auto v = cfg.get("controlpersist");
  if (!v || is(v, "no") || is(v, "false")) return std::nullopt;
  if (is(v, "yes") || is(v, "true")) return std::chrono::seconds(0);
  auto t = config::parse_time(*v);
  if (!t || *t <= 0) return std::nullopt;
  return std::chrono::seconds(*t);
}

MuxClientRequest shared_session_request(const SharedSessionInput& in) {
  const auto& cfg = in.cfg;
  MuxClientRequest r;
  r.control_path = control_path_of(cfg).value_or("");
  r.command = in.mux_command.value_or("");
  r.control_master_no = control_master_of(cfg) == ControlMaster::no;
  if (const auto& w = in.stdio_forward) {
    // mux.c: a socket path travels as the host with the streamlocal port.
    r.stdio_forward = w->listens_on_path()
                          ? std::make_pair(w->listen_path, mux::kStreamlocalPort)
                          : std::make_pair(w->listen_host.value_or(""), static_cast<std::uint32_t>(w->listen_port));
  }
  mux::NewSession& s = r.session;
  s.want_tty = in.request_pty;
  s.want_x11 = cfg.get("forwardx11") == "yes";
  s.want_agent = cfg.get("forwardagent").has_value() && cfg.get("forwardagent") != "no";
  s.subsystem = cfg.get("sessiontype") == "subsystem";
  s.escape_char = cfg.escape_char < 0 ? mux::kNoEscapeChar : static_cast<std::uint32_t>(cfg.escape_char);
  std::string term;
  for (const auto& nv : cfg.set_env) {
    if (nv.starts_with("TERM=")) term = nv.substr(5);
  }
  if (term.empty()) {
    const char* t = std::getenv("TERM");
    term = t ? t : "";
  }
  s.term = term;
  s.command = in.command.value_or("");
  // As mux.c: the variables SendEnv selects, then SetEnv's.
  if (!cfg.send_env.empty()) {
    for (char** e = environ; e && *e; ++e) {
      std::string var(*e);
      auto eq = var.find('=');
      if (eq == std::string::npos) continue;
      const std::string name = var.substr(0, eq);
      for (const auto& p : cfg.send_env) {
        if (fnmatch(p.c_str(), name.c_str(), 0) == 0) {
          s.env.push_back(var);
          break;
        }
      }
    }
  }
  for (const auto& nv : cfg.set_env) s.env.push_back(nv);
  r.forwards = in.forwards;
  r.stdin_null = cfg.get("stdinnull") == "yes";
  r.fork_after_auth = cfg.get("forkafterauthentication") == "yes";
  r.force_pty = cfg.request_tty == config::RequestTty::force;
  r.host = cfg.hostname;
  r.connect_timeout = cfg.connect_timeout > 0 ? cfg.connect_timeout : 0;
  return r;
}

namespace {
mux::Forward to_mux(const ForwardSpec& f, mux::ForwardKind kind) {
  mux::Forward m;
  m.kind = kind;
  if (f.listens_on_path()) {
    m.listen_host = f.listen_path;
    m.listen_port = mux::kStreamlocalPort;
  } else {
    m.listen_host = !f.listen_host ? "" : f.listen_host->empty() ? "*" : *f.listen_host;
    m.listen_port = static_cast<std::uint32_t>(f.listen_port);
  }
  if (f.connects_to_path()) {
    m.connect_host = f.connect_path;
    m.connect_port = mux::kStreamlocalPort;
  } else if (!f.dynamic()) {
    m.connect_host = f.connect_host;
    m.connect_port = static_cast<std::uint32_t>(f.connect_port);
  }
  return m;
}
}  // namespace

std::vector<mux::Forward> mux_forwards(const ForwardingConfig& cfg) {
  std::vector<mux::Forward> out;
  for (const auto& f : cfg.local) out.push_back(to_mux(f, mux::ForwardKind::local));
  for (const auto& f : cfg.remote) out.push_back(to_mux(f, mux::ForwardKind::remote));
  for (const auto& f : cfg.dynamic) out.push_back(to_mux(f, mux::ForwardKind::dynamic));
  return out;
}

ForwardSpec forward_spec_of(const mux::Forward& m) {
  ForwardSpec f;
  if (m.listen_port == mux::kStreamlocalPort) {
    f.listen_path = m.listen_host;
  } else {
    if (!m.listen_host.empty()) f.listen_host = m.listen_host == "*" ? std::string() : m.listen_host;
    f.listen_port = static_cast<int>(m.listen_port);
  }
  if (m.connect_port == mux::kStreamlocalPort) {
    f.connect_path = m.connect_host;
  } else if (m.kind == mux::ForwardKind::dynamic || (m.kind == mux::ForwardKind::remote && m.connect_port == 0)) {
    f.connect_host = "socks";
  } else {
    f.connect_host = m.connect_host;
    f.connect_port = static_cast<int>(m.connect_port);
  }
  return f;
}

std::shared_ptr<MuxMaster> start_mux_master(asio::io_context& io, Client& client, const config::ClientConfig& cfg,
                                            Forwarding& forwarding, const Log& log) {
  const auto mode = control_master_of(cfg);
  auto path = control_path_of(cfg);
  if (mode == ControlMaster::no || !path) return nullptr;
  MuxMasterOptions o;
  o.control_path = *path;
  o.ask = mode == ControlMaster::ask || mode == ControlMaster::autoask;
  o.host = cfg.hostname;
  o.forward = [&client, &forwarding](const mux::Forward& f, bool cancel) -> asio::awaitable<Result<std::uint32_t>> {
    const auto type = f.kind == mux::ForwardKind::remote   ? Forwarding::ForwardType::remote
                      : f.kind == mux::ForwardKind::dynamic ? Forwarding::ForwardType::dynamic
                                                            : Forwarding::ForwardType::local;
    const ForwardSpec spec = forward_spec_of(f);
    if (cancel) {
      auto r = co_await forwarding.cancel(client, type, spec);
      if (!r) co_return std::unexpected(r.error());
      co_return std::uint32_t{0};
    }
    co_return co_await forwarding.add(client, type, spec);
  };
  auto m = MuxMaster::listen(io, client, std::move(o), log);
  if (!m) {
    // ssh: an existing socket only disables sharing (with auto, quietly at debug level).
    if (m.error().code == Errc::invalid_argument &&
        (mode == ControlMaster::automatic || mode == ControlMaster::autoask)) {
      log.debug1(m.error().message);
    } else {
      log.error(m.error().message);
    }
    return nullptr;
  }
  (*m)->start();
  return *m;
}

}  // namespace skiff::cli

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>

namespace skiff::cli {

asio::awaitable<void> serve_shared_connection(asio::io_context& io, Client& client, MuxMaster& master,
                                              std::optional<std::chrono::seconds> idle) {
  auto m = master.shared_from_this();
  // The connection's end wakes the loop (a weak link: it never keeps the connection).
  asio::co_spawn(
      io,
      [link = client.link(), m]() mutable -> asio::awaitable<void> {
        co_await link.wait_closed();
        m->notify();
      },
      asio::detached);
  asio::steady_timer timer(io);
  auto expired = std::make_shared<bool>(false);
  bool armed = false;
  while (client.is_open() && !master.terminate_requested()) {
    if (master.active() == 0) {
      if (!idle || *expired) break;  // without ControlPersist: done once nobody uses it
      if (idle->count() > 0 && !armed) {
        timer.expires_after(*idle);
        timer.async_wait([expired, m](std::error_code ec) {
          if (ec) return;
          *expired = true;
          m->notify();
        });
        armed = true;
      }
    } else if (armed) {
      timer.cancel();
      armed = false;
      *expired = false;
    }
    co_await master.wait_change();
  }
  timer.cancel();
  if (master.terminate_requested() && client.is_open()) client.disconnect();
  master.stop_listening();
}

void end_on_terminate(asio::io_context& io, Client& client, std::shared_ptr<MuxMaster> master,
                      std::shared_ptr<bool> alive) {
  asio::co_spawn(
      io,
      [&client, master, alive]() -> asio::awaitable<void> {
        while (*alive && !master->terminate_requested()) co_await master->wait_change();
        if (*alive && master->terminate_requested() && client.is_open()) client.disconnect();
      },
      asio::detached);
}

}  // namespace skiff::cli
