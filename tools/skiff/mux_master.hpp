// The master side of connection sharing, as ssh's ControlMaster (mux.c muxserver_listen
// and mux_master_*): a Unix socket at ControlPath, private to the user, through which
// other skiff or ssh processes use this connection. Each control connection is served by
// coroutines on the connection's io_context: the hello exchange, alive checks, terminate
// and stop-listening requests, forwards (through the caller's hook), and one session or
// stdio forward whose descriptors came over the socket (SCM_RIGHTS), carried to a channel
// with the window as the only buffer; the exit status goes back as MUX_S_EXIT_MESSAGE.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <skiff/client.hpp>

#include "log.hpp"
#include "mux_protocol.hpp"

namespace skiff::cli {

struct MuxMasterOptions {
  std::string control_path;
  bool ask = false;         // ControlMaster ask / autoask: confirm each use through SSH_ASKPASS
  std::string host;         // for the confirmation's question
  // -O forward / cancel and a passenger's forwards: the allocated port for a remote
  // forward of port 0 (else 0), or the error to answer. Without it they are refused.
  std::function<asio::awaitable<Result<std::uint32_t>>(const mux::Forward&, bool cancel)> forward;
};

class MuxMaster : public std::enable_shared_from_this<MuxMaster> {
 public:
  // Binds the socket as ssh does: under a temporary name with umask 0177, then link()ed to
  // ControlPath, so that it appears complete and private or not at all. An existing
  // ControlPath is Errc::invalid_argument ("ControlSocket PATH already exists, disabling
  // multiplexing"); the caller goes on without sharing.
  static Result<std::shared_ptr<MuxMaster>> listen(asio::io_context& io, Client& client, MuxMasterOptions options,
                                                   const Log& log);
  ~MuxMaster();
  MuxMaster(const MuxMaster&) = delete;
  MuxMaster& operator=(const MuxMaster&) = delete;

  // Starts accepting (and relaying SIGWINCH to the shared sessions' terminals).
  void start();
  // Closes the listener and removes the socket (MUX_C_STOP_LISTENING, and at exit).
  void stop_listening();
  // The end: stop listening, close every control connection, wake every waiter; nothing
  // of the master keeps the io_context running afterwards.
  void shutdown();
  // Control connections open now (ControlPersist waits for none).
  std::size_t active() const noexcept { return active_; }
  // A client sent MUX_C_TERMINATE: the connection is to end.
  bool terminate_requested() const noexcept { return terminate_; }
  // Returns when a control connection came or went, termination was asked for, notify()
  // was called, or at once after shutdown().
  asio::awaitable<void> wait_change();
  void notify() { changed(); }

  struct Listener;  // the bound socket
  struct Control;   // one control connection
  struct Shared;    // what a session keeps of its passenger (for SIGWINCH)

 private:
  MuxMaster(asio::io_context& io, Client& client, MuxMasterOptions options, const Log& log);
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> watch_winch();
  asio::awaitable<void> serve(std::shared_ptr<Control> control);
  asio::awaitable<void> run_session(std::shared_ptr<Control> control, mux::NewSession request, std::array<int, 3> fds);
  asio::awaitable<void> run_stdio_forward(std::shared_ptr<Control> control, mux::NewStdioForward request, std::array<int, 2> fds);
  void changed();

  asio::io_context& io_;
  Client& client_;
  MuxMasterOptions options_;
  const Log& log_;
  std::unique_ptr<Listener> listener_;
  std::vector<std::weak_ptr<Shared>> tty_sessions_;
  std::vector<std::weak_ptr<Control>> controls_;
  std::size_t active_ = 0;
  bool terminate_ = false;
  bool stopped_ = false;
};

}  // namespace skiff::cli
