#include "io/convert.hpp"

namespace skiff::io {

connection::PtyReq to_core(const PtyRequest& pty) {
  connection::PtyReq r;
  r.term = pty.term;
  r.columns = pty.size.columns;
  r.rows = pty.size.rows;
  r.width_px = pty.size.width_px;
  r.height_px = pty.size.height_px;
  for (const auto& m : pty.modes) r.modes.push_back({m.opcode, m.value});
  return r;
}

connection::WindowChangeReq to_core(const WindowSize& size) {
  return {size.columns, size.rows, size.width_px, size.height_px};
}

auth::InfoRequest to_core(const KeyboardInteractiveRequest& request) {
  auth::InfoRequest r;
  r.name = request.name;
  r.instruction = request.instruction;
  for (const auto& p : request.prompts) r.prompts.push_back({p.text, p.echo});
  return r;
}

auth::SecretString to_core(const Secret& secret) { return auth::SecretString(secret.data(), secret.size()); }

std::vector<auth::SecretString> to_core(const std::vector<Secret>& secrets) {
  std::vector<auth::SecretString> out;
  out.reserve(secrets.size());
  for (const auto& s : secrets) out.push_back(to_core(s));
  return out;
}

Secret to_public(const auth::SecretString& secret) { return Secret(secret.data(), secret.size()); }

std::vector<Secret> to_public(const std::vector<auth::SecretString>& secrets) {
  std::vector<Secret> out;
  out.reserve(secrets.size());
  for (const auto& s : secrets) out.push_back(to_public(s));
  return out;
}

KeyboardInteractiveRequest to_public(const auth::InfoRequest& request) {
  KeyboardInteractiveRequest r;
  r.name = request.name;
  r.instruction = request.instruction;
  for (const auto& p : request.prompts) r.prompts.push_back({p.text, p.echo});
  return r;
}

std::optional<SessionRequestBody> to_public(const connection::RequestBody& body) {
  namespace c = connection;
  if (auto* p = std::get_if<c::PtyReq>(&body)) {
    PtyRequest r;
    r.term = p->term;
    r.size = {p->columns, p->rows, p->width_px, p->height_px};
    for (const auto& m : p->modes) r.modes.push_back({m.opcode, m.value});
    return r;
  }
  if (auto* e = std::get_if<c::EnvReq>(&body)) return EnvRequest{e->name, e->value};
  if (std::holds_alternative<c::ShellReq>(body)) return ShellRequest{};
  if (auto* x = std::get_if<c::ExecReq>(&body)) return ExecRequest{x->command};
  if (auto* s = std::get_if<c::SubsystemReq>(&body)) return SubsystemRequest{s->name};
  if (auto* w = std::get_if<c::WindowChangeReq>(&body)) return WindowSize{w->columns, w->rows, w->width_px, w->height_px};
  if (auto* s = std::get_if<c::SignalReq>(&body)) return SignalRequest{s->name};
  if (auto* b = std::get_if<c::BreakReq>(&body)) return BreakRequest{b->length_ms};
  if (auto* x = std::get_if<c::X11Req>(&body)) {
    return X11Request{x->single_connection, x->auth_protocol, x->auth_cookie, x->screen};
  }
  if (std::holds_alternative<c::AuthAgentReq>(body)) return AgentForwardRequest{};
  if (std::holds_alternative<c::EowReq>(body)) return EndOfWrite{};
  return std::nullopt;
}

connection::OpenBody to_core(const ChannelOpenBody& body) {
  namespace c = connection;
  struct Visitor {
    c::OpenBody operator()(const DirectTcpip& d) const {
      return c::DirectTcpipOpen{d.host, d.port, d.originator, d.originator_port};
    }
    c::OpenBody operator()(const ForwardedTcpip& f) const {
      return c::ForwardedTcpipOpen{f.address, f.port, f.originator, f.originator_port};
    }
    // The reserved fields are sent as OpenSSH sends them (empty string, zero).
    c::OpenBody operator()(const DirectStreamlocal& d) const { return c::DirectStreamlocalOpen{d.path, "", 0}; }
    c::OpenBody operator()(const ForwardedStreamlocal& f) const { return c::ForwardedStreamlocalOpen{f.path, ""}; }
    c::OpenBody operator()(const X11Channel& x) const { return c::X11Open{x.originator, x.originator_port}; }
    c::OpenBody operator()(const AgentChannel&) const { return c::AuthAgentOpen{}; }
  };
  return std::visit(Visitor{}, body);
}

std::optional<ChannelOpenBody> to_public(const connection::OpenBody& body) {
  namespace c = connection;
  if (auto* d = std::get_if<c::DirectTcpipOpen>(&body)) {
    return DirectTcpip{d->host, d->port, d->originator, d->originator_port};
  }
  if (auto* f = std::get_if<c::ForwardedTcpipOpen>(&body)) {
    return ForwardedTcpip{f->connected_address, f->connected_port, f->originator, f->originator_port};
  }
  if (auto* d = std::get_if<c::DirectStreamlocalOpen>(&body)) return DirectStreamlocal{d->socket_path};
  if (auto* f = std::get_if<c::ForwardedStreamlocalOpen>(&body)) return ForwardedStreamlocal{f->socket_path};
  if (auto* x = std::get_if<c::X11Open>(&body)) return X11Channel{x->originator, x->originator_port};
  if (std::holds_alternative<c::AuthAgentOpen>(body)) return AgentChannel{};
  return std::nullopt;
}

}  // namespace skiff::io
