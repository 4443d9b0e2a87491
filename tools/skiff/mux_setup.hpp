// Where connection sharing meets the rest of skiff, as ssh.c decides it: whether this run
// is a mux client (ControlPath set, ControlMaster no, auto or autoask, or a -O command),
// and whether the connection it makes becomes a master (ControlMaster yes, ask, auto,
// autoask) and for how long it outlives its own session (ControlPersist).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>

#include <skiff/client.hpp>

#include "config/ssh_config.hpp"
#include "forwarding.hpp"
#include "log.hpp"
#include "mux_client.hpp"
#include "mux_master.hpp"

namespace skiff::cli {

enum class ControlMaster { no, yes, ask, automatic, autoask };
ControlMaster control_master_of(const config::ClientConfig& cfg);
// ControlPath, or nullopt when unset or "none" (already token-expanded by the config).
std::optional<std::string> control_path_of(const config::ClientConfig& cfg);
// ControlPersist: nullopt for no; zero for yes (forever); else the idle time.
std::optional<std::chrono::seconds> control_persist_of(const config::ClientConfig& cfg);

// What a passenger sends: the session as this skiff would have asked for it.
struct SharedSessionInput {
  const config::ClientConfig& cfg;
  std::optional<std::string> mux_command;    // -O
  std::optional<ForwardSpec> stdio_forward;  // -W, as parse_forward read it
  std::optional<std::string> command;        // nullopt: a shell
  bool request_pty = false;
  std::vector<mux::Forward> forwards;
};
MuxClientRequest shared_session_request(const SharedSessionInput& in);

// Starts the master on an authenticated connection, or nullptr (with ssh's message)
// when this run is not one or the socket cannot be made.
// -O forward / cancel and passengers' forwards go to `forwarding`.
std::shared_ptr<MuxMaster> start_mux_master(asio::io_context& io, Client& client, const config::ClientConfig& cfg,
                                            Forwarding& forwarding, const Log& log);

// The forwards of a configuration as OPEN_FWD / CLOSE_FWD carry them (mux.c's
// mux_client_forward), and back.
std::vector<mux::Forward> mux_forwards(const ForwardingConfig& cfg);
ForwardSpec forward_spec_of(const mux::Forward& f);

}  // namespace skiff::cli

namespace skiff::cli {

// After the master's own session (or instead of one, with ControlPersist): keeps the
// connection while shared sessions run, until -O exit, the connection's end, or (with an
// idle time) that long without any control connection. Ends the connection on -O exit.
asio::awaitable<void> serve_shared_connection(asio::io_context& io, Client& client, MuxMaster& master,
                                              std::optional<std::chrono::seconds> idle);

// Watches for -O exit while the master's own session runs; the connection is then
// disconnected, which ends that session too. Stops when `alive` is reset.
void end_on_terminate(asio::io_context& io, Client& client, std::shared_ptr<MuxMaster> master,
                      std::shared_ptr<bool> alive);

}  // namespace skiff::cli
