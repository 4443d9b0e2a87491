// X11 forwarding of skiff (-X, -Y, ForwardX11*), as ssh does it: before the session
// starts, the cookie of $DISPLAY (trusted: `xauth list`; untrusted: a cookie `xauth
// generate`d with the SECURITY extension into a private temporary file, valid for
// ForwardX11Timeout plus a minute) and an x11-req carrying random fake data of the same
// length; then every "x11" channel the server opens is connected to the local display
// once its X11 setup carries the fake cookie, which is replaced by the real one
// (x11_auth.hpp). x11 channels the session did not ask for, or that come after
// ForwardX11Timeout (untrusted), are refused.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>

#include <skiff/channel.hpp>

#include "config/ssh_config.hpp"
#include "log.hpp"
#include "x11_auth.hpp"

namespace skiff::cli {

struct X11Settings {
  bool forward = false;  // ForwardX11
  bool trusted = false;  // ForwardX11Trusted
  unsigned timeout_seconds = 1200;  // ForwardX11Timeout (0: none)
  std::string xauth_location = "/usr/bin/xauth";
};
X11Settings x11_settings(const config::ClientConfig& cfg);

class X11Forwarder {
 public:
  X11Forwarder(X11Settings settings, const Log& log) : settings_(std::move(settings)), log_(log) {}

  bool enabled() const { return settings_.forward; }
  // ssh_session2_setup's part for one session channel: finds or makes the cookie of
  // $DISPLAY and sends x11-req (with a reply; a refusal is "X11 forwarding request
  // failed on channel N", and the session goes on). Does nothing unless ForwardX11.
  asio::awaitable<void> request(ClientSession& session);
  // The channel_open hook's part for an "x11" channel: refused unless asked for and in
  // time; else connected to the display, accepted, checked, and carried until it ends.
  // The coroutine holds self: it may outlive the session that asked.
  static asio::awaitable<void> handle(std::shared_ptr<X11Forwarder> self, IncomingChannel in);

 private:
  // client_x11_get_proto: the protocol and hex cookie to spoof, or nullopt (logged).
  std::optional<std::pair<std::string, std::string>> get_proto(const char* display);

  X11Settings settings_;
  const Log& log_;
  std::string display_;
  std::optional<X11Spoofer> spoofer_;
  std::optional<std::chrono::steady_clock::time_point> refuse_after_;
};

}  // namespace skiff::cli
