// skiff::Transport: buffers, packet dispatch by phase, and the public calls. The key
// exchange itself is in transport_kex.cpp.
#include <algorithm>
#include <cstring>

#include "transport/algorithms.hpp"
#include "transport/messages.hpp"
#include "transport/transport_impl.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff {

using transport::AlgorithmKind;
namespace msg = transport::msg;
namespace dc = transport::disconnect;

namespace {

std::vector<std::string> or_default(const std::vector<std::string>& v, AlgorithmKind kind) {
  return v.empty() ? transport::default_algorithms(kind) : v;
}

constexpr std::size_t kCompressionMargin = 1024;

std::string truncate_diagnostic(std::string_view s) {
  std::string out(s.substr(0, limits::kMaxDiagnosticString));
  // Peer text goes to logs and terminals: keep printable ASCII, tab and newline only.
  for (char& c : out) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) c = '?';
  }
  return out;
}

std::uint32_t reason_for(Errc code) {
  switch (code) {
    case Errc::mac_error: return dc::kMacError;
    case Errc::kex_failed: return dc::kKeyExchangeFailed;
    case Errc::host_key_rejected:
    case Errc::signature_invalid: return dc::kHostKeyNotVerifiable;
    case Errc::unsupported: return dc::kKeyExchangeFailed;
    default: return dc::kProtocolError;
  }
}

}  // namespace

Transport::Impl::Impl(TransportConfig c)
    : cfg(std::move(c)), version_reader(cfg.role == Role::client) {
  kex_list = or_default(cfg.kex_algorithms, AlgorithmKind::kex);
  host_key_list = or_default(cfg.host_key_algorithms, AlgorithmKind::host_key);
  cipher_list = or_default(cfg.ciphers, AlgorithmKind::cipher);
  mac_list = or_default(cfg.macs, AlgorithmKind::mac);
  compression_list = cfg.compression.empty() ? std::vector<std::string>{"none"} : cfg.compression;
  if (cfg.role == Role::server) {
    // Offer only the host key algorithms we hold a key for.
    std::vector<std::string> usable;
    for (const auto& alg : host_key_list) {
      for (const auto& key : cfg.host_keys) {
        auto algs = key.signature_algorithms(true);
        if (std::find(algs.begin(), algs.end(), alg) != algs.end()) {
          usable.push_back(alg);
          break;
        }
      }
    }
    host_key_list = std::move(usable);
  }
  // Names skiff does not implement would otherwise negotiate into "no cipher" or "no MAC".
  auto check = [&](AlgorithmKind kind, const std::vector<std::string>& list, const char* what) {
    for (const auto& name : list) {
      if (!transport::is_supported(kind, name) && !config_error) {
        config_error = Error{Errc::invalid_argument, std::string("unsupported ") + what + " '" + name + "'"};
      }
    }
  };
  check(AlgorithmKind::kex, kex_list, "key exchange method");
  check(AlgorithmKind::host_key, host_key_list, "host key algorithm");
  check(AlgorithmKind::cipher, cipher_list, "cipher");
  check(AlgorithmKind::mac, mac_list, "MAC");
  check(AlgorithmKind::compression, compression_list, "compression method");
  our_version = transport::make_version_line(cfg.software_version, cfg.version_comments);
  our_version.resize(our_version.size() - 2);
}

void Transport::Impl::fail_connection(Error e, std::uint32_t reason) {
  if (closed) return;
  // A DISCONNECT can always be sent with the current outgoing keys.
  if (started) {
    Bytes m;
    wire::Writer(m).byte(msg::kDisconnect).u32(reason).string(e.message).string("");
    (void)encoder.encode(m, out);
  }
  closed = true;
  e.disconnect_reason = reason;
  events.push_back(event::Disconnected{e, false, reason, e.message});
}

Result<void> Transport::Impl::send_packet(ByteView payload) {
  if (closed) return fail(Errc::disconnected, "connection is closed");
  auto r = encoder.encode(payload, out);
  if (!r) return r;
  check_rekey_limits();
  return {};
}

Result<void> Transport::Impl::queue_or_send(ByteView payload) {
  if (closed) return fail(Errc::disconnected, "connection is closed");
  // Checked here, not at encoding, so that a message refused now is refused the same way
  // while a key exchange runs (when it would only fail later, at NEWKEYS). The margin
  // leaves room for compression's overhead on incompressible data.
  if (payload.size() > limits::kMaxPayload - kCompressionMargin) {
    return fail(Errc::too_large, "message of " + std::to_string(payload.size()) + " bytes is too large for a packet");
  }
  // Between our KEXINIT and our NEWKEYS only transport and kex messages may be sent.
  if (must_queue()) {
    if (queued.size() >= limits::kMaxQueuedDuringKexPackets ||
        queued_bytes + payload.size() > limits::kMaxQueuedDuringKexBytes) {
      return fail(Errc::too_large, "send queue full during key exchange");
    }
    queued.emplace_back(payload.begin(), payload.end());
    queued_bytes += payload.size();
    return {};
  }
  return send_packet(payload);
}

void Transport::Impl::flush_queue() {
  while (!queued.empty() && !closed && !must_queue()) {
    crypto::SecureBytes m = std::move(queued.front());
    queued.pop_front();
    queued_bytes -= m.size();
    if (m.empty()) {  // the USERAUTH_SUCCESS before it has gone out
      delayed_compression_on = true;
      enable_compression_where_due();
      continue;
    }
    if (auto r = send_packet(m); !r) {
      fail_connection(r.error(), dc::kProtocolError);
      return;
    }
  }
}

void Transport::Impl::check_rekey_limits() {
  // As OpenSSH: no automatic rekeying before user authentication (OpenSSH servers refuse
  // a KEXINIT in pre-auth, and a pre-auth connection is short anyway).
  if (kex_running || closed || initial || !authenticated) return;
  const auto& o = encoder.counters();
  const auto& i = decoder.counters();
  // Before 2^31 packets: sequence numbers must not wrap (and must not in strict mode).
  constexpr std::uint64_t kMaxPackets = 1ULL << 31;
  if (o.bytes > rekey_bytes_out || i.bytes > rekey_bytes_in || o.packets > kMaxPackets ||
      i.packets > kMaxPackets) {
    if (auto r = send_kexinit(); !r) fail_connection(r.error(), dc::kProtocolError);
  }
}

void Transport::Impl::peer_disconnected(ByteView payload) {
  wire::Reader r(payload.subspan(1));
  auto reason = r.u32();
  auto text = r.text(limits::kMaxString);
  closed = true;
  std::string desc = text ? truncate_diagnostic(*text) : std::string();
  Error e{Errc::disconnected, "peer disconnected: " + desc, reason ? *reason : 0};
  events.push_back(event::Disconnected{e, true, reason ? *reason : 0, desc});
}

Result<std::optional<TransportEvent>> Transport::Impl::dispatch(ByteView payload) {
  const std::uint8_t type = payload[0];
  const std::uint64_t index = packets_received++;
  if (type == msg::kDisconnect) {
    peer_disconnected(payload);
    return std::nullopt;
  }
  const bool in_initial_kex = initial;
  // Strict KEX: during the first exchange nothing but the exchange itself is allowed.
  auto strict_violation = [&]() -> bool { return in_initial_kex && strict && peer_kexinit_seen; };

  if (type == msg::kKexInit) {
    auto r = on_kexinit(payload);
    if (!r) return std::unexpected(r.error());
    if (strict && initial && index != 0) {
      return fail(Errc::protocol_error, "strict KEX violation: KEXINIT was not the first packet");
    }
    return std::nullopt;
  }
  if (msg::is_kex_method(type)) {
    auto r = on_kex_message(payload);
    if (!r) return std::unexpected(r.error());
    return std::nullopt;
  }
  if (type == msg::kNewKeys) {
    auto r = on_newkeys(payload);
    if (!r) return std::unexpected(r.error());
    return std::nullopt;
  }
  if (strict_violation()) {
    return fail(Errc::protocol_error,
                "strict KEX violation: unexpected packet type " + std::to_string(type) + " during key exchange");
  }
  wire::Reader r(payload.subspan(1));
  switch (type) {
    case msg::kIgnore:
      return std::nullopt;
    case msg::kDebug: {
      auto display = r.boolean();
      auto text = r.text();
      if (!display || !text) return fail(Errc::bad_format, "malformed DEBUG message");
      return TransportEvent{event::Debug{*display, truncate_diagnostic(*text)}};
    }
    case msg::kUnimplemented: {
      auto seq = r.u32();
      if (!seq) return std::unexpected(seq.error());
      if (kex_running && !peer_kexinit_seen && *seq == our_kexinit_seq) {
        // The peer cannot rekey now (OpenSSH before authentication): waiting would hang.
        return fail(Errc::kex_failed, "peer refused key re-exchange (UNIMPLEMENTED for our KEXINIT)");
      }
      return TransportEvent{event::Unimplemented{*seq}};
    }
    default:
      break;
  }
  // Everything below needs the first exchange to be complete.
  if (in_initial_kex) {
    return fail(Errc::protocol_error, "message " + std::to_string(type) + " before key exchange completed");
  }
  // RFC 4253 7.1: no service messages between a KEXINIT and its NEWKEYS.
  if ((type == msg::kServiceRequest || type == msg::kServiceAccept) && peer_kexinit_seen) {
    return fail(Errc::protocol_error, "service message during key exchange");
  }
  switch (type) {
    case msg::kServiceRequest: {
      if (cfg.role != Role::server) return fail(Errc::protocol_error, "SERVICE_REQUEST sent to a client");
      auto name = r.text(256);
      if (!name) return std::unexpected(name.error());
      if (auto e = r.expect_end(); !e) return std::unexpected(e.error());
      if (service_active || std::find(cfg.services.begin(), cfg.services.end(), *name) == cfg.services.end()) {
        fail_connection(Error{Errc::protocol_error, "service not available: " + truncate_diagnostic(*name)},
                        dc::kServiceNotAvailable);
        return std::nullopt;
      }
      Bytes m;
      wire::Writer(m).byte(msg::kServiceAccept).string(*name);
      if (auto s = queue_or_send(m); !s) return std::unexpected(s.error());
      service_active = true;
      return TransportEvent{event::ServiceRequested{std::string(*name)}};
    }
    case msg::kServiceAccept: {
      auto name = r.text(256);
      if (!name) return std::unexpected(name.error());
      if (auto e = r.expect_end(); !e) return std::unexpected(e.error());
      // Only an answer to a request that has actually gone out.
      const bool request_sent = std::none_of(queued.begin(), queued.end(), [](const auto& q) {
        return !q.empty() && q[0] == msg::kServiceRequest;
      });
      if (cfg.role != Role::client || service_requested.empty() || service_active || *name != service_requested ||
          !request_sent) {
        return fail(Errc::protocol_error, "unexpected SERVICE_ACCEPT");
      }
      service_active = true;
      return TransportEvent{event::ServiceAccepted{std::string(*name)}};
    }
    case msg::kExtInfo: {
      auto n = r.u32();
      if (!n) return std::unexpected(n.error());
      if (*n > limits::kMaxExtInfoExtensions) return fail(Errc::too_large, "too many EXT_INFO extensions");
      event::ExtInfo info;
      for (std::uint32_t i = 0; i < *n; ++i) {
        auto name = r.text(256);
        if (!name) return std::unexpected(name.error());
        auto value = r.string(limits::kMaxNameListLength);
        if (!value) return std::unexpected(value.error());
        if (*name == "server-sig-algs" && cfg.role == Role::client) {
          auto algs = wire::parse_name_list(
              std::string_view(reinterpret_cast<const char*>(value->data()), value->size()));
          if (!algs) return std::unexpected(algs.error());
          server_sig_algs = std::move(*algs);
        } else if (*name == "ping@openssh.com") {
          peer_ping = true;
        }
        info.extensions.emplace_back(std::string(*name), Bytes(value->begin(), value->end()));
      }
      if (auto e = r.expect_end(); !e) return std::unexpected(e.error());
      return TransportEvent{std::move(info)};
    }
    case msg::kPing: {
      auto data = r.string();
      if (!data) return std::unexpected(data.error());
      // As OpenSSH: no answers before authentication or while keys change.
      if (!authenticated || kex_running) return std::nullopt;
      Bytes m;
      wire::Writer(m).byte(msg::kPong).string(*data);
      if (auto s = send_packet(m); !s) return std::unexpected(s.error());
      return std::nullopt;
    }
    case msg::kPong: {
      auto data = r.string();
      if (!data) return std::unexpected(data.error());
      return TransportEvent{event::Pong{Bytes(data->begin(), data->end())}};
    }
    default:
      break;
  }
  if (msg::is_upper_layer(type) && type != msg::kPing && type != msg::kPong) {
    if (peer_kexinit_seen) {
      return fail(Errc::protocol_error,
                  "non-transport message " + std::to_string(type) + " received during key exchange");
    }
    if (!service_active) {
      return fail(Errc::protocol_error, "message " + std::to_string(type) + " before a service was accepted");
    }
    return TransportEvent{event::Packet{payload, decoder.last_sequence()}};
  }
  // An unknown transport-layer message: RFC 4253 11.4.
  Bytes m;
  wire::Writer(m).byte(msg::kUnimplemented).u32(decoder.last_sequence());
  if (auto s = send_packet(m); !s) return std::unexpected(s.error());
  return std::nullopt;
}

void Transport::Impl::compact_input() {
  if (in_pos == 0) return;
  if (in_pos < in_end) std::memmove(in.data(), in.data() + in_pos, in_end - in_pos);
  in_end -= in_pos;
  in_pos = 0;
  // Give back memory after a burst of large packets.
  if (in.size() > 4 * limits::kMaxPacketLength && in_end < limits::kMaxPacketLength) {
    in.resize(std::max<std::size_t>(in_end, 64 * 1024));
    in.shrink_to_fit();
  }
}

// ---------------------------------------------------------------- public API

Transport::Transport(TransportConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Transport::~Transport() = default;
Transport::Transport(Transport&&) noexcept = default;
Transport& Transport::operator=(Transport&&) noexcept = default;

void Transport::start(TimePoint now) {
  Impl& s = *impl_;
  if (s.started) return;
  s.started = true;
  s.now = now;
  if (s.config_error) {
    s.closed = true;
    s.events.push_back(event::Disconnected{*s.config_error, false, 0, s.config_error->message});
    return;
  }
  std::string line = s.our_version + "\r\n";
  s.out.insert(s.out.end(), line.begin(), line.end());
  if (auto r = s.send_kexinit(); !r) s.fail_connection(r.error(), dc::kKeyExchangeFailed);
}

void Transport::feed(ByteView data, TimePoint now) {
  if (impl_->closed) return;  // nothing is read after the end
  auto space = input_space(data.size());
  std::memcpy(space.data(), data.data(), data.size());
  commit_input(data.size(), now);
}

std::span<std::uint8_t> Transport::input_space(std::size_t at_least) {
  Impl& s = *impl_;
  s.compact_input();
  // Input after the end is ignored; do not let it grow the buffer.
  if (s.closed) at_least = std::min<std::size_t>(at_least, 64 * 1024);
  if (s.in.size() < s.in_end + at_least) s.in.resize(s.in_end + at_least);
  return std::span<std::uint8_t>(s.in.data() + s.in_end, s.in.size() - s.in_end);
}

void Transport::commit_input(std::size_t n, TimePoint now) {
  Impl& s = *impl_;
  s.now = now;
  if (s.closed) {  // nothing is read after the end
    s.in_pos = s.in_end = 0;
    return;
  }
  s.in_end += std::min(n, s.in.size() - s.in_end);
  if (s.in_end - s.in_pos > limits::kMaxUnprocessedInput && !s.closed) {
    s.fail_connection(Error{Errc::too_large, "too much unprocessed input from the peer"}, dc::kProtocolError);
    s.in_pos = s.in_end = 0;
  }
}

void Transport::feed_eof(TimePoint now) {
  Impl& s = *impl_;
  s.now = now;
  s.eof = true;
}

std::optional<TransportEvent> Transport::poll_event() {
  Impl& s = *impl_;
  while (true) {
    if (!s.events.empty()) {
      TransportEvent ev = std::move(s.events.front());
      s.events.pop_front();
      return ev;
    }
    if (s.closed || !s.started || s.awaiting_verdict) return std::nullopt;
    // A peer that does not read while making us answer (UNIMPLEMENTED, PONG, ...) must
    // not grow our output without bound: stop taking its input until output drains.
    if (s.out.size() - s.out_pos > limits::kMaxPendingOutputBytes) return std::nullopt;
    ByteView avail(s.in.data() + s.in_pos, s.in_end - s.in_pos);
    if (!s.peer) {
      auto used = s.version_reader.consume(avail);
      if (!used) {
        s.fail_connection(used.error(), dc::kProtocolVersionNotSupported);
        continue;
      }
      s.in_pos += *used;
      if (s.version_reader.done()) {
        s.peer = s.version_reader.version();
        // Shown to people: printable text only (the raw line stays for the exchange hash).
        event::VersionReceived ev{truncate_diagnostic(s.peer->line), {}};
        for (const auto& l : s.version_reader.pre_banner_lines()) ev.banner_lines.push_back(truncate_diagnostic(l));
        s.events.push_back(std::move(ev));
        continue;
      }
      if (s.eof) s.fail_connection(Error{Errc::disconnected, "connection closed during version exchange"}, 0);
      if (s.events.empty()) return std::nullopt;
      continue;
    }
    std::span<std::uint8_t> input(s.in.data() + s.in_pos, s.in_end - s.in_pos);
    ByteView payload;
    bool complete = false;
    auto used = s.decoder.decode(input, payload, complete);
    if (!used) {
      s.fail_connection(used.error(), reason_for(used.error().code));
      continue;
    }
    s.in_pos += *used;
    if (!complete) {
      if (*used > 0) continue;  // discarding, or progress without a whole packet
      if (s.eof) {
        Error e{Errc::disconnected, s.decoder.at_packet_boundary() ? "connection closed by peer"
                                                                     : "connection closed in the middle of a packet"};
        if (s.decoder.discarding()) e = Error{Errc::bad_length, "connection closed after a bad packet length"};
        s.closed = true;
        // No DISCONNECT came: reason 0 (10, "connection lost", is a code a peer sends).
        s.events.push_back(event::Disconnected{e, true, 0, e.message});
        continue;
      }
      return std::nullopt;
    }
    if (s.initial && s.decoder.sequence() == 0) {
      // A sequence number may not wrap before the first exchange completes (OpenSSH
      // ends the connection too): a peer could otherwise stall with IGNOREs.
      s.fail_connection(Error{Errc::protocol_error, "sequence number wrapped during the initial key exchange"},
                        dc::kProtocolError);
      continue;
    }
    s.check_rekey_limits();
    auto ev = s.dispatch(payload);
    if (!ev) {
      s.fail_connection(ev.error(), reason_for(ev.error().code));
      continue;
    }
    if (*ev) {
      if (std::holds_alternative<event::Packet>(**ev) || s.events.empty()) return std::move(**ev);
      s.events.push_back(std::move(**ev));
    }
  }
}

ByteView Transport::pending_output() const noexcept {
  const Impl& s = *impl_;
  return ByteView(s.out.data() + s.out_pos, s.out.size() - s.out_pos);
}

void Transport::take_output(Bytes& buffer) {
  Impl& s = *impl_;
  if (s.out_pos == 0) {
    buffer.clear();
    std::swap(buffer, s.out);
  } else {
    buffer.assign(s.out.begin() + static_cast<std::ptrdiff_t>(s.out_pos), s.out.end());
    s.out.clear();
    s.out_pos = 0;
  }
}

void Transport::consume_output(std::size_t n) {
  Impl& s = *impl_;
  s.out_pos += std::min(n, s.out.size() - s.out_pos);
  if (s.out_pos == s.out.size()) {
    s.out.clear();
    s.out_pos = 0;
  } else if (s.out_pos > (1u << 20) && s.out_pos > s.out.size() / 2) {
    s.out.erase(s.out.begin(), s.out.begin() + static_cast<std::ptrdiff_t>(s.out_pos));
    s.out_pos = 0;
  }
}

std::optional<TimePoint> Transport::next_deadline() const {
  const Impl& s = *impl_;
  if (s.closed || !s.authenticated || s.kex_running) return std::nullopt;
  return s.rekey_at;
}

void Transport::on_timer(TimePoint now) {
  Impl& s = *impl_;
  s.now = now;
  if (s.closed || s.kex_running || !s.authenticated || !s.rekey_at || now < *s.rekey_at) return;
  if (auto r = s.send_kexinit(); !r) s.fail_connection(r.error(), dc::kProtocolError);
}

Result<void> Transport::send(ByteView payload) {
  Impl& s = *impl_;
  if (payload.empty() || !transport::msg::is_upper_layer(payload[0]) || payload[0] == msg::kPing ||
      payload[0] == msg::kPong) {
    return fail(Errc::invalid_argument, "send() is for messages of the layers above the transport");
  }
  if (!s.service_active) return fail(Errc::protocol_error, "no service has been accepted yet");
  return s.queue_or_send(payload);
}

bool Transport::wants_input() const noexcept {
  const Impl& s = *impl_;
  return !s.closed && !s.awaiting_verdict && s.out.size() - s.out_pos <= limits::kMaxPendingOutputBytes &&
         s.in_end - s.in_pos < limits::kMaxUnprocessedInput;
}

bool Transport::can_send() const noexcept {
  const Impl& s = *impl_;
  if (s.closed) return false;
  if (s.out.size() - s.out_pos > limits::kMaxPendingOutputBytes) return false;
  if (s.kex_running && !s.newkeys_sent) return s.queued_bytes < limits::kMaxQueuedDuringKexBytes / 2;
  return true;
}

void Transport::accept_host_key() {
  Impl& s = *impl_;
  if (!s.awaiting_verdict) return;
  s.awaiting_verdict = false;
  if (auto r = s.send_newkeys(); !r) s.fail_connection(r.error(), dc::kKeyExchangeFailed);
}

void Transport::reject_host_key(std::string reason) {
  Impl& s = *impl_;
  if (!s.awaiting_verdict) return;
  s.awaiting_verdict = false;
  s.fail_connection(Error{Errc::host_key_rejected, std::move(reason)}, dc::kHostKeyNotVerifiable);
}

void Transport::request_service(std::string name) {
  Impl& s = *impl_;
  if (s.cfg.role != Role::client || !s.service_requested.empty()) return;
  s.service_requested = name;
  Bytes m;
  wire::Writer(m).byte(msg::kServiceRequest).string(name);
  if (auto r = s.queue_or_send(m); !r) s.fail_connection(r.error(), dc::kProtocolError);
}

void Transport::request_rekey() {
  Impl& s = *impl_;
  if (s.closed || s.kex_running || s.initial) return;
  if (auto r = s.send_kexinit(); !r) s.fail_connection(r.error(), dc::kProtocolError);
}

Result<void> Transport::send_ping(ByteView data) {
  Impl& s = *impl_;
  if (!s.peer_ping) return fail(Errc::unsupported, "peer did not advertise ping@openssh.com");
  Bytes m;
  wire::Writer(m).byte(msg::kPing).string(data);
  return s.queue_or_send(m);
}

// Queued like the layers' messages: strict KEX forbids them in the first exchange.
Result<void> Transport::send_ignore(ByteView data) {
  Bytes m;
  wire::Writer(m).byte(msg::kIgnore).string(data);
  return impl_->queue_or_send(m);
}

Result<void> Transport::send_unimplemented(std::uint32_t sequence) {
  Bytes m;
  wire::Writer(m).byte(msg::kUnimplemented).u32(sequence);
  return impl_->queue_or_send(m);
}

Result<void> Transport::send_debug(bool always_display, std::string_view message) {
  Bytes m;
  wire::Writer(m).byte(msg::kDebug).boolean(always_display).string(message).string("");
  return impl_->queue_or_send(m);
}

void Transport::disconnect(std::uint32_t reason, std::string description) {
  Impl& s = *impl_;
  if (s.closed) return;
  Bytes m;
  wire::Writer(m).byte(msg::kDisconnect).u32(reason).string(description).string("");
  if (s.started) (void)s.encoder.encode(m, s.out);
  s.closed = true;
  s.events.push_back(event::Disconnected{Error{Errc::disconnected, description, reason}, false, reason, description});
}

void Transport::user_authenticated() {
  Impl& s = *impl_;
  if (s.authenticated) return;
  s.authenticated = true;
  if (s.queued.empty() && !s.must_queue()) {
    s.delayed_compression_on = true;
    s.enable_compression_where_due();
  } else {
    // USERAUTH_SUCCESS is still waiting in the queue: compression starts after it.
    s.queued.emplace_back();
  }
  s.check_rekey_limits();
}

bool Transport::closed() const noexcept { return impl_->closed; }
bool Transport::kex_in_progress() const noexcept { return impl_->kex_running; }
ByteView Transport::session_id() const noexcept { return impl_->session_id; }
const NegotiatedAlgorithms& Transport::algorithms() const noexcept { return impl_->algorithms; }
std::string_view Transport::peer_version() const noexcept {
  return impl_->peer ? std::string_view(impl_->peer->line) : std::string_view();
}
const std::vector<std::string>& Transport::server_sig_algs() const noexcept { return impl_->server_sig_algs; }
bool Transport::peer_supports_ping() const noexcept { return impl_->peer_ping; }
std::uint64_t Transport::exchanges_completed() const noexcept { return impl_->exchanges; }

}  // namespace skiff
