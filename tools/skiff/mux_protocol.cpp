#include "skiff/mux_protocol.hpp"

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::cli::mux {

namespace {

// Reads fields in order and keeps the first error, so a decoder reads like the layout.
class Fields {
 public:
  explicit Fields(std::span<const std::uint8_t> body) : r_(body) {}
  std::uint32_t u32() {
    auto v = r_.u32();
    return keep(v) ? *v : 0;
  }
  bool flag() { return u32() != 0; }  // mux.c sends its flags as uint32
  std::string text() {
    auto v = r_.text(kMaxPacket);
    return keep(v) ? std::string(*v) : std::string();
  }
  void skip_string() {
    auto v = r_.string(kMaxPacket);
    (void)keep(v);
  }
  bool more() const { return !error_ && !r_.empty(); }
  template <class T>
  Result<Message> finish(T value) {
    if (!error_) {
      if (auto e = r_.expect_end(); !e) error_ = e.error();
    }
    if (error_) return std::unexpected(*error_);
    return Message(std::move(value));
  }
  Result<Message> fail_with(Error e) {
    if (!error_) error_ = std::move(e);
    return std::unexpected(*error_);
  }

 private:
  template <class V>
  bool keep(const V& v) {
    if (error_) return false;
    if (!v) {
      error_ = v.error();
      return false;
    }
    return true;
  }
  wire::Reader r_;
  std::optional<Error> error_;
};

Forward read_forward(Fields& f) {
  Forward fw;
  const std::uint32_t kind = f.u32();
  fw.kind = static_cast<ForwardKind>(kind);
  fw.listen_host = f.text();
  fw.listen_port = f.u32();
  fw.connect_host = f.text();
  fw.connect_port = f.u32();
  return fw;
}

bool valid_kind(ForwardKind k) {
  return k == ForwardKind::local || k == ForwardKind::remote || k == ForwardKind::dynamic;
}

void write_forward(wire::Writer& w, const Forward& f) {
  w.u32(static_cast<std::uint32_t>(f.kind)).string(f.listen_host).u32(f.listen_port);
  w.string(f.connect_host).u32(f.connect_port);
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

Result<Message> decode(std::span<const std::uint8_t> body) {
  if (body.size() < 4) return fail(Errc::truncated, "mux: packet without a type");
  Fields f(body);
  const std::uint32_t t = f.u32();
  switch (t) {
    case type::kHello: {
      Hello h;
      h.version = f.u32();
      while (f.more()) {
        std::string name = f.text();
        std::string value = f.text();
        if (h.extensions.size() >= 64) return f.fail_with(Error{Errc::too_large, "mux: too many hello extensions"});
        h.extensions.emplace_back(std::move(name), std::move(value));
      }
      return f.finish(std::move(h));
    }
    case type::kNewSession: {
      NewSession s;
      s.request_id = f.u32();
      f.skip_string();  // reserved
      s.want_tty = f.flag();
      s.want_x11 = f.flag();
      s.want_agent = f.flag();
      s.subsystem = f.flag();
      s.escape_char = f.u32();
      s.term = f.text();
      s.command = f.text();
      while (f.more()) {
        if (s.env.size() >= kMaxEnv) return f.fail_with(Error{Errc::too_large, "mux: too many environment strings"});
        s.env.push_back(f.text());
      }
      return f.finish(std::move(s));
    }
    case type::kAliveCheck: return f.finish(AliveCheck{f.u32()});
    case type::kTerminate: return f.finish(Terminate{f.u32()});
    case type::kStopListening: return f.finish(StopListening{f.u32()});
    case type::kProxy: return f.finish(ProxyRequest{f.u32()});
    case type::kOpenForward:
    case type::kCloseForward: {
      const std::uint32_t rid = f.u32();
      Forward fw = read_forward(f);
      if (!f.more() && !valid_kind(fw.kind)) {
        return f.fail_with(Error{Errc::bad_format, "mux: unknown forwarding type"});
      }
      if (t == type::kOpenForward) return f.finish(OpenForward{rid, std::move(fw)});
      return f.finish(CloseForward{rid, std::move(fw)});
    }
    case type::kNewStdioForward: {
      NewStdioForward s;
      s.request_id = f.u32();
      f.skip_string();  // reserved
      s.host = f.text();
      s.port = f.u32();
      return f.finish(std::move(s));
    }
    case type::kOk: return f.finish(Ok{f.u32()});
    case type::kPermissionDenied: {
      PermissionDenied p;
      p.request_id = f.u32();
      p.reason = f.text();
      return f.finish(std::move(p));
    }
    case type::kFailure: {
      Failure p;
      p.request_id = f.u32();
      p.reason = f.text();
      return f.finish(std::move(p));
    }
    case type::kExitMessage: {
      ExitMessage e;
      e.session_id = f.u32();
      e.exit_value = f.u32();
      return f.finish(e);
    }
    case type::kAlive: {
      Alive a;
      a.request_id = f.u32();
      a.pid = f.u32();
      return f.finish(a);
    }
    case type::kSessionOpened: {
      SessionOpened s;
      s.request_id = f.u32();
      s.session_id = f.u32();
      return f.finish(s);
    }
    case type::kRemotePort: {
      RemotePort p;
      p.request_id = f.u32();
      p.port = f.u32();
      return f.finish(p);
    }
    case type::kTtyAllocFail: return f.finish(TtyAllocFail{f.u32()});
    case type::kProxyReply: return f.finish(ProxyReply{f.u32()});
    default: break;
  }
  return fail(Errc::unsupported, "mux: unknown message type " + std::to_string(t));
}

std::vector<std::uint8_t> encode(const Message& m) {
  std::vector<std::uint8_t> out(4, 0);  // the length, filled in at the end
  wire::Writer w(out);
  std::visit(Overloaded{
                 [&](const Hello& h) {
                   w.u32(type::kHello).u32(h.version);
                   for (const auto& [n, v] : h.extensions) w.string(n).string(v);
                 },
                 [&](const NewSession& s) {
                   w.u32(type::kNewSession).u32(s.request_id).string(std::string_view());
                   w.u32(s.want_tty).u32(s.want_x11).u32(s.want_agent).u32(s.subsystem).u32(s.escape_char);
                   w.string(s.term).string(s.command);
                   for (const auto& e : s.env) w.string(e);
                 },
                 [&](const AliveCheck& a) { w.u32(type::kAliveCheck).u32(a.request_id); },
                 [&](const Terminate& a) { w.u32(type::kTerminate).u32(a.request_id); },
                 [&](const StopListening& a) { w.u32(type::kStopListening).u32(a.request_id); },
                 [&](const ProxyRequest& a) { w.u32(type::kProxy).u32(a.request_id); },
                 [&](const OpenForward& o) {
                   w.u32(type::kOpenForward).u32(o.request_id);
                   write_forward(w, o.forward);
                 },
                 [&](const CloseForward& o) {
                   w.u32(type::kCloseForward).u32(o.request_id);
                   write_forward(w, o.forward);
                 },
                 [&](const NewStdioForward& s) {
                   w.u32(type::kNewStdioForward).u32(s.request_id).string(std::string_view());
                   w.string(s.host).u32(s.port);
                 },
                 [&](const Ok& o) { w.u32(type::kOk).u32(o.request_id); },
                 [&](const PermissionDenied& p) { w.u32(type::kPermissionDenied).u32(p.request_id).string(p.reason); },
                 [&](const Failure& p) { w.u32(type::kFailure).u32(p.request_id).string(p.reason); },
                 [&](const ExitMessage& e) { w.u32(type::kExitMessage).u32(e.session_id).u32(e.exit_value); },
                 [&](const Alive& a) { w.u32(type::kAlive).u32(a.request_id).u32(a.pid); },
                 [&](const SessionOpened& s) { w.u32(type::kSessionOpened).u32(s.request_id).u32(s.session_id); },
                 [&](const RemotePort& p) { w.u32(type::kRemotePort).u32(p.request_id).u32(p.port); },
                 [&](const TtyAllocFail& t) { w.u32(type::kTtyAllocFail).u32(t.session_id); },
                 [&](const ProxyReply& p) { w.u32(type::kProxyReply).u32(p.request_id); },
             },
             m);
  const auto len = static_cast<std::uint32_t>(out.size() - 4);
  out[0] = static_cast<std::uint8_t>(len >> 24);
  out[1] = static_cast<std::uint8_t>(len >> 16);
  out[2] = static_cast<std::uint8_t>(len >> 8);
  out[3] = static_cast<std::uint8_t>(len);
  return out;
}

void Framer::feed(std::span<const std::uint8_t> data) {
  if (failed_) return;
  buffer_.insert(buffer_.end(), data.begin(), data.end());
}

Result<std::optional<std::vector<std::uint8_t>>> Framer::next() {
  if (failed_) return fail(Errc::protocol_error, "mux: stream unusable after an error");
  if (buffer_.size() < 4) return std::optional<std::vector<std::uint8_t>>{};
  const std::size_t len = (std::size_t{buffer_[0]} << 24) | (std::size_t{buffer_[1]} << 16) |
                          (std::size_t{buffer_[2]} << 8) | std::size_t{buffer_[3]};
  if (len > kMaxPacket || len < 4) {
    failed_ = true;
    buffer_.clear();
    return fail(len < 4 ? Errc::bad_length : Errc::too_large, "mux: bad packet length " + std::to_string(len));
  }
  if (buffer_.size() - 4 < len) return std::optional<std::vector<std::uint8_t>>{};
  std::vector<std::uint8_t> body(buffer_.begin() + 4, buffer_.begin() + 4 + static_cast<std::ptrdiff_t>(len));
  buffer_.erase(buffer_.begin(), buffer_.begin() + 4 + static_cast<std::ptrdiff_t>(len));
  return std::optional<std::vector<std::uint8_t>>(std::move(body));
}

}  // namespace skiff::cli::mux
