#include "agent_forward.hpp"

#include <strings.h>

#include <cstdlib>

#include <asio/local/stream_protocol.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "agent_identities.hpp"
#include "common/channel_splice.hpp"

namespace skiff::cli {

namespace {
// ForwardAgent's own socket: a path, or "$NAME" for the path an environment variable holds.
std::string socket_from(const std::string& v) {
  if (!v.starts_with('$')) return v;
  const char* env = std::getenv(v.c_str() + 1);
  return env ? env : "";
}
}  // namespace

AgentForwarder::AgentForwarder(const config::ClientConfig& cfg, const Log& log) : log_(log) {
  auto v = cfg.get("forwardagent");
  if (!v || strcasecmp(v->c_str(), "no") == 0 || strcasecmp(v->c_str(), "false") == 0) return;
  if (strcasecmp(v->c_str(), "yes") != 0 && strcasecmp(v->c_str(), "true") != 0) {
    socket_path_ = socket_from(*v);
  } else {
    // As ssh: the agent skiff itself uses (IdentityAgent, else $SSH_AUTH_SOCK; "none":
    // no agent, so nothing to forward).
    socket_path_ = agent_socket_path(cfg).value_or("");
  }
  // ssh asks for forwarding only when it has an agent to forward.
  enabled_ = !socket_path_->empty();
}

void AgentForwarder::request(ClientSession& session) {
  if (!enabled_) return;
  log_.debug1("Requesting authentication agent forwarding.");
  (void)session.request_agent_forwarding();
}

asio::awaitable<void> AgentForwarder::handle(std::shared_ptr<AgentForwarder> self, IncomingChannel in) {
  if (!self->enabled_) {
    self->log_.error("Warning: ssh server tried agent forwarding.");
    self->log_.error("Warning: this is probably a break-in attempt by a malicious server.");
    in.reject(OpenFailure::administratively_prohibited, "open failed");
    co_return;
  }
  const std::string path = self->socket_path_.value_or("");
  auto ex = co_await asio::this_coro::executor;
  asio::local::stream_protocol::socket sock(ex);
  std::error_code ec;
  if (path.empty()) {
    ec = std::make_error_code(std::errc::no_such_file_or_directory);
  } else {
    asio::local::stream_protocol::endpoint ep(path);
    co_await sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    self->log_.debug1("ssh_get_authentication_socket: " + ec.message());
    in.reject(OpenFailure::connect_failed, "open failed");
    co_return;
  }
  auto ch = in.accept();
  if (!ch) co_return;
  co_await tools::splice(*ch, sock);
}

}  // namespace skiff::cli
