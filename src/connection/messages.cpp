#include "connection/messages.hpp"

#include <optional>
#include <type_traits>

namespace skiff::connection {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

// A Reader whose first error sticks: fields are read in sequence and the error (if any)
// is checked once at the end, which keeps each message's layout readable.
class Fields {
 public:
  explicit Fields(ByteView data) : r_(data) {}

  std::uint8_t byte() { return take(r_.byte(), std::uint8_t{0}); }
  bool boolean() { return take(r_.boolean(), false); }
  std::uint32_t u32() { return take(r_.u32(), std::uint32_t{0}); }
  std::string text(std::size_t max = limits::kMaxString) {
    return std::string(take(r_.text(max), std::string_view{}));
  }
  std::string name() { return text(limits::kMaxRequestName); }
  ByteView string(std::size_t max = limits::kMaxString) { return take(r_.string(max), ByteView{}); }
  Bytes rest() {
    if (err_) return {};
    auto v = r_.rest();
    return Bytes(v.begin(), v.end());
  }
  void set_error(Error e) {
    if (!err_) err_ = std::move(e);
  }
  bool failed() const { return err_.has_value(); }

  template <class T>
  Result<T> finish(T value) {
    if (!err_) {
      if (auto end = r_.expect_end(); !end) err_ = end.error();
    }
    if (err_) return std::unexpected(*err_);
    return value;
  }

 private:
  template <class T, class D>
  T take(Result<T> v, D fallback) {
    if (err_) return fallback;
    if (!v) {
      err_ = v.error();
      return fallback;
    }
    return *v;
  }

  wire::Reader r_;
  std::optional<Error> err_;
};

constexpr std::uint8_t kTtyOpEnd = 0;
constexpr std::uint8_t kTtyFirstUndefined = 160;

Result<std::vector<TerminalMode>> parse_modes(ByteView encoded) {
  std::vector<TerminalMode> modes;
  wire::Reader r(encoded);
  while (!r.empty()) {
    auto op = r.byte();
    if (*op == kTtyOpEnd || *op >= kTtyFirstUndefined) break;
    auto value = r.u32();
    if (!value) return fail(Errc::bad_format, "pty-req: terminal mode " + std::to_string(*op) + " cut short");
    modes.push_back({*op, *value});
  }
  return modes;
}

GlobalRequestBody parse_global_body(std::string name, Fields& f) {
  if (name == "tcpip-forward") {
    TcpipForward t;
    t.address = f.text();
    t.port = f.u32();
    return t;
  }
  if (name == "cancel-tcpip-forward") {
    CancelTcpipForward t;
    t.address = f.text();
    t.port = f.u32();
    return t;
  }
  if (name == "streamlocal-forward@openssh.com") return StreamlocalForward{f.text()};
  if (name == "cancel-streamlocal-forward@openssh.com") return CancelStreamlocalForward{f.text()};
  if (name == "keepalive@openssh.com") return GlobalKeepalive{};
  if (name == "no-more-sessions@openssh.com") return NoMoreSessions{};
  return RawGlobalRequest{std::move(name), f.rest()};
}

OpenBody parse_open_body(std::string type, Fields& f) {
  if (type == "session") return SessionOpen{};
  if (type == "direct-tcpip" || type == "forwarded-tcpip") {
    std::string a = f.text();
    std::uint32_t ap = f.u32();
    std::string o = f.text();
    std::uint32_t op = f.u32();
    if (type == "direct-tcpip") return DirectTcpipOpen{std::move(a), ap, std::move(o), op};
    return ForwardedTcpipOpen{std::move(a), ap, std::move(o), op};
  }
  if (type == "x11") {
    X11Open x;
    x.originator = f.text();
    x.originator_port = f.u32();
    return x;
  }
  if (type == "direct-streamlocal@openssh.com") {
    DirectStreamlocalOpen d;
    d.socket_path = f.text();
    d.reserved = f.text();
    d.reserved_port = f.u32();
    return d;
  }
  if (type == "forwarded-streamlocal@openssh.com") {
    ForwardedStreamlocalOpen d;
    d.socket_path = f.text();
    d.reserved = f.text();
    return d;
  }
  if (type == "auth-agent@openssh.com") return AuthAgentOpen{};
  return RawOpen{std::move(type), f.rest()};
}

RequestBody parse_request_body(std::string name, Fields& f) {
  if (name == "pty-req") {
    PtyReq p;
    p.term = f.text();
    p.columns = f.u32();
    p.rows = f.u32();
    p.width_px = f.u32();
    p.height_px = f.u32();
    ByteView encoded = f.string(limits::kMaxTerminalModes);
    if (!f.failed()) {
      if (auto modes = parse_modes(encoded)) {
        p.modes = std::move(*modes);
      } else {
        f.set_error(modes.error());
      }
    }
    return p;
  }
  if (name == "x11-req") {
    X11Req x;
    x.single_connection = f.boolean();
    x.auth_protocol = f.text();
    x.auth_cookie = f.text();
    x.screen = f.u32();
    return x;
  }
  if (name == "env") {
    EnvReq e;
    e.name = f.text();
    e.value = f.text();
    return e;
  }
  if (name == "shell") return ShellReq{};
  if (name == "exec") return ExecReq{f.text()};
  if (name == "subsystem") return SubsystemReq{f.text()};
  if (name == "window-change") {
    WindowChangeReq w;
    w.columns = f.u32();
    w.rows = f.u32();
    w.width_px = f.u32();
    w.height_px = f.u32();
    return w;
  }
  if (name == "xon-xoff") return XonXoffReq{f.boolean()};
  if (name == "signal") return SignalReq{f.name()};
  if (name == "exit-status") return ExitStatusReq{f.u32()};
  if (name == "exit-signal") {
    ExitSignalReq e;
    e.name = f.name();
    e.core_dumped = f.boolean();
    e.message = f.text();
    e.language = f.text();
    return e;
  }
  if (name == "break") return BreakReq{f.u32()};
  if (name == "auth-agent-req@openssh.com") return AuthAgentReq{};
  if (name == "keepalive@openssh.com") return ChannelKeepalive{};
  if (name == "eow@openssh.com") return EowReq{};
  return RawChannelRequest{std::move(name), f.rest()};
}

void put_modes(wire::Writer& w, const std::vector<TerminalMode>& modes) {
  Bytes enc;
  wire::Writer m(enc);
  for (const auto& mode : modes) m.byte(mode.opcode).u32(mode.value);
  m.byte(kTtyOpEnd);
  w.string(ByteView(enc));
}

void put_request_body(wire::Writer& w, const RequestBody& body) {
  std::visit(Overloaded{
                 [&](const PtyReq& p) {
                   w.string(p.term).u32(p.columns).u32(p.rows).u32(p.width_px).u32(p.height_px);
                   put_modes(w, p.modes);
                 },
                 [&](const X11Req& x) {
                   w.boolean(x.single_connection).string(x.auth_protocol).string(x.auth_cookie).u32(x.screen);
                 },
                 [&](const EnvReq& e) { w.string(e.name).string(e.value); },
                 [&](const ShellReq&) {},
                 [&](const ExecReq& e) { w.string(e.command); },
                 [&](const SubsystemReq& s) { w.string(s.name); },
                 [&](const WindowChangeReq& c) { w.u32(c.columns).u32(c.rows).u32(c.width_px).u32(c.height_px); },
                 [&](const XonXoffReq& x) { w.boolean(x.client_can_do); },
                 [&](const SignalReq& s) { w.string(s.name); },
                 [&](const ExitStatusReq& e) { w.u32(e.status); },
                 [&](const ExitSignalReq& e) {
                   w.string(e.name).boolean(e.core_dumped).string(e.message).string(e.language);
                 },
                 [&](const BreakReq& b) { w.u32(b.length_ms); },
                 [&](const AuthAgentReq&) {},
                 [&](const ChannelKeepalive&) {},
                 [&](const EowReq&) {},
                 [&](const RawChannelRequest& r) { w.raw(ByteView(r.data)); },
             },
             body);
}

}  // namespace

std::string_view open_type_name(const OpenBody& body) {
  return std::visit(Overloaded{
                        [](const SessionOpen&) -> std::string_view { return "session"; },
                        [](const DirectTcpipOpen&) -> std::string_view { return "direct-tcpip"; },
                        [](const ForwardedTcpipOpen&) -> std::string_view { return "forwarded-tcpip"; },
                        [](const X11Open&) -> std::string_view { return "x11"; },
                        [](const DirectStreamlocalOpen&) -> std::string_view {
                          return "direct-streamlocal@openssh.com";
                        },
                        [](const ForwardedStreamlocalOpen&) -> std::string_view {
                          return "forwarded-streamlocal@openssh.com";
                        },
                        [](const AuthAgentOpen&) -> std::string_view { return "auth-agent@openssh.com"; },
                        [](const RawOpen& r) -> std::string_view { return r.type; },
                    },
                    body);
}

std::string_view request_name(const RequestBody& body) {
  return std::visit(Overloaded{
                        [](const PtyReq&) -> std::string_view { return "pty-req"; },
                        [](const X11Req&) -> std::string_view { return "x11-req"; },
                        [](const EnvReq&) -> std::string_view { return "env"; },
                        [](const ShellReq&) -> std::string_view { return "shell"; },
                        [](const ExecReq&) -> std::string_view { return "exec"; },
                        [](const SubsystemReq&) -> std::string_view { return "subsystem"; },
                        [](const WindowChangeReq&) -> std::string_view { return "window-change"; },
                        [](const XonXoffReq&) -> std::string_view { return "xon-xoff"; },
                        [](const SignalReq&) -> std::string_view { return "signal"; },
                        [](const ExitStatusReq&) -> std::string_view { return "exit-status"; },
                        [](const ExitSignalReq&) -> std::string_view { return "exit-signal"; },
                        [](const BreakReq&) -> std::string_view { return "break"; },
                        [](const AuthAgentReq&) -> std::string_view { return "auth-agent-req@openssh.com"; },
                        [](const ChannelKeepalive&) -> std::string_view { return "keepalive@openssh.com"; },
                        [](const EowReq&) -> std::string_view { return "eow@openssh.com"; },
                        [](const RawChannelRequest& r) -> std::string_view { return r.name; },
                    },
                    body);
}

Result<Message> decode(ByteView payload) {
  Fields f(payload);
  const std::uint8_t type = f.byte();
  if (f.failed()) return fail(Errc::truncated, "empty connection message");
  switch (type) {
    case msg::kGlobalRequest: {
      std::string name = f.name();
      GlobalRequest g;
      g.want_reply = f.boolean();
      if (!f.failed()) g.body = parse_global_body(std::move(name), f);
      return f.finish<Message>(std::move(g));
    }
    case msg::kRequestSuccess:
      return f.finish<Message>(RequestSuccess{f.rest()});
    case msg::kRequestFailure:
      return f.finish<Message>(RequestFailure{});
    case msg::kChannelOpen: {
      std::string name = f.name();
      ChannelOpen o;
      o.sender = f.u32();
      o.window = f.u32();
      o.max_packet = f.u32();
      if (!f.failed()) o.body = parse_open_body(std::move(name), f);
      return f.finish<Message>(std::move(o));
    }
    case msg::kOpenConfirmation: {
      OpenConfirmation c;
      c.recipient = f.u32();
      c.sender = f.u32();
      c.window = f.u32();
      c.max_packet = f.u32();
      c.extra = f.rest();
      return f.finish<Message>(std::move(c));
    }
    case msg::kOpenFailure: {
      OpenFailure o;
      o.recipient = f.u32();
      o.reason = f.u32();
      o.description = f.text(limits::kMaxDiagnosticString);
      o.language = f.name();
      return f.finish<Message>(std::move(o));
    }
    case msg::kWindowAdjust: {
      WindowAdjust w;
      w.recipient = f.u32();
      w.bytes = f.u32();
      return f.finish<Message>(w);
    }
    case msg::kData: {
      ChannelData d;
      d.recipient = f.u32();
      d.data = f.string();
      return f.finish<Message>(d);
    }
    case msg::kExtendedData: {
      ExtendedData d;
      d.recipient = f.u32();
      d.type = f.u32();
      d.data = f.string();
      return f.finish<Message>(d);
    }
    case msg::kEof:
      return f.finish<Message>(ChannelEof{f.u32()});
    case msg::kClose:
      return f.finish<Message>(ChannelClose{f.u32()});
    case msg::kChannelRequest: {
      ChannelRequest c;
      c.recipient = f.u32();
      std::string name = f.name();
      c.want_reply = f.boolean();
      if (!f.failed()) c.body = parse_request_body(std::move(name), f);
      return f.finish<Message>(std::move(c));
    }
    case msg::kChannelSuccess:
      return f.finish<Message>(ChannelSuccess{f.u32()});
    case msg::kChannelFailure:
      return f.finish<Message>(ChannelFailure{f.u32()});
    default:
      return fail(Errc::bad_format, "not a connection protocol message: " + std::to_string(type));
  }
}

void encode(const Message& m, Bytes& out) {
  wire::Writer w(out);
  std::visit(
      Overloaded{
          [&](const GlobalRequest& g) {
            w.byte(msg::kGlobalRequest);
            std::visit(Overloaded{
                           [&](const TcpipForward& t) {
                             w.string("tcpip-forward").boolean(g.want_reply).string(t.address).u32(t.port);
                           },
                           [&](const CancelTcpipForward& t) {
                             w.string("cancel-tcpip-forward").boolean(g.want_reply).string(t.address).u32(t.port);
                           },
                           [&](const StreamlocalForward& t) {
                             w.string("streamlocal-forward@openssh.com").boolean(g.want_reply).string(t.socket_path);
                           },
                           [&](const CancelStreamlocalForward& t) {
                             w.string("cancel-streamlocal-forward@openssh.com")
                                 .boolean(g.want_reply)
                                 .string(t.socket_path);
                           },
                           [&](const GlobalKeepalive&) { w.string("keepalive@openssh.com").boolean(g.want_reply); },
                           [&](const NoMoreSessions&) {
                             w.string("no-more-sessions@openssh.com").boolean(g.want_reply);
                           },
                           [&](const RawGlobalRequest& r) {
                             w.string(r.name).boolean(g.want_reply).raw(ByteView(r.data));
                           },
                       },
                       g.body);
          },
          [&](const RequestSuccess& s) { w.byte(msg::kRequestSuccess).raw(ByteView(s.data)); },
          [&](const RequestFailure&) { w.byte(msg::kRequestFailure); },
          [&](const ChannelOpen& o) {
            w.byte(msg::kChannelOpen).string(open_type_name(o.body)).u32(o.sender).u32(o.window).u32(o.max_packet);
            std::visit(Overloaded{
                           [&](const SessionOpen&) {},
                           [&](const DirectTcpipOpen& d) {
                             w.string(d.host).u32(d.port).string(d.originator).u32(d.originator_port);
                           },
                           [&](const ForwardedTcpipOpen& d) {
                             w.string(d.connected_address).u32(d.connected_port).string(d.originator).u32(
                                 d.originator_port);
                           },
                           [&](const X11Open& x) { w.string(x.originator).u32(x.originator_port); },
                           [&](const DirectStreamlocalOpen& d) {
                             w.string(d.socket_path).string(d.reserved).u32(d.reserved_port);
                           },
                           [&](const ForwardedStreamlocalOpen& d) { w.string(d.socket_path).string(d.reserved); },
                           [&](const AuthAgentOpen&) {},
                           [&](const RawOpen& r) { w.raw(ByteView(r.data)); },
                       },
                       o.body);
          },
          [&](const OpenConfirmation& c) {
            w.byte(msg::kOpenConfirmation).u32(c.recipient).u32(c.sender).u32(c.window).u32(c.max_packet);
            w.raw(ByteView(c.extra));
          },
          [&](const OpenFailure& o) {
            w.byte(msg::kOpenFailure).u32(o.recipient).u32(o.reason).string(o.description).string(o.language);
          },
          [&](const WindowAdjust& a) { w.byte(msg::kWindowAdjust).u32(a.recipient).u32(a.bytes); },
          [&](const ChannelData& d) { w.byte(msg::kData).u32(d.recipient).string(d.data); },
          [&](const ExtendedData& d) { w.byte(msg::kExtendedData).u32(d.recipient).u32(d.type).string(d.data); },
          [&](const ChannelEof& e) { w.byte(msg::kEof).u32(e.recipient); },
          [&](const ChannelClose& c) { w.byte(msg::kClose).u32(c.recipient); },
          [&](const ChannelRequest& r) {
            w.byte(msg::kChannelRequest).u32(r.recipient).string(request_name(r.body)).boolean(r.want_reply);
            put_request_body(w, r.body);
          },
          [&](const ChannelSuccess& s) { w.byte(msg::kChannelSuccess).u32(s.recipient); },
          [&](const ChannelFailure& s) { w.byte(msg::kChannelFailure).u32(s.recipient); },
      },
      m);
}

}  // namespace skiff::connection
