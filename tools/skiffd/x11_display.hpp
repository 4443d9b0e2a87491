// X11 forwarding of one skiffd session, as sshd's session_setup_x11fwd and channels.c
// x11_create_display_inet / channel_post_x11_listener: TCP listeners on the first free
// display from X11DisplayOffset (port 6000 + N; loopback only with X11UseLocalhost, else
// every address; IPv4 and IPv6 as AddressFamily allows), DISPLAY for the session
// ("localhost:N.S", or "hostname:N.S"), and for each X client that connects an "x11"
// channel to the client (originator address and port), spliced to it. single_connection:
// the listeners close after the first. Everything closes when the object goes (the
// session ended); channels already open go on until they end.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>

#include <skiff/channel.hpp>

#include "config/ssh_config.hpp"
#include "system/server_log.hpp"

namespace skiffd {

struct X11DisplayOptions {
  unsigned offset = 10;
  bool use_localhost = true;
  skiff::config::AddressFamily family = skiff::config::AddressFamily::any;
  bool single_connection = false;
};

class X11Display : public std::enable_shared_from_this<X11Display> {
 public:
  // Binds the listeners (not yet accepting); Errc::io_error when no display in
  // [offset, offset + 1000) is free ("Failed to allocate internet-domain X11 display
  // socket.", logged).
  static skiff::Result<std::shared_ptr<X11Display>> open(const asio::any_io_executor& ex,
                                                          const X11DisplayOptions& options,
                                                          skiff::skiffd::ServerLog& log);
  X11Display(const asio::any_io_executor& ex, skiff::skiffd::ServerLog& log) : ex_(ex), log_(log) {}
  ~X11Display();
  unsigned number() const { return number_; }
  // Accepts connections and opens an "x11" channel through link for each.
  void start(const skiff::ConnectionLink& link);
  // Stops listening (the session ended).
  void close();

 private:
  asio::any_io_executor ex_;
  skiff::skiffd::ServerLog& log_;
  std::vector<asio::ip::tcp::acceptor> acceptors_;
  unsigned number_ = 0;
  bool single_ = false;
};

}  // namespace skiffd
