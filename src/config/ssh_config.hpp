// ssh_config(5) as OpenSSH 9.2's ssh reads it, into plain values.
//
// ClientConfigBuilder reads the files in order (the -F file, or ~/.ssh/config then
// /etc/ssh/ssh_config), keeping the first value of each keyword (IdentityFile,
// CertificateFile, LocalForward, RemoteForward, DynamicForward and SendEnv accumulate
// instead; SetEnv keeps every argument of its first line), evaluating Host and Match
// against the connection's names (Host: the name as given, lowered; Match host: the
// HostName set so far), then finish() fills ssh's defaults (fill_default_options). Include is resolved through the
// caller's IncludeResolver, Match exec through the caller's ExecResolver: the core
// touches no files and runs nothing.
//
// Without canonicalisation (skiff does not implement CanonicalizeHostname), "Match
// canonical" and "Match final" match only on the second, final pass, which ssh makes
// whenever a non-negated "Match final" was seen on the first pass: values set on the
// first pass stay (first wins), the final pass can only fill what is still unset.
//
// Errors: Errc::bad_format whose message holds OpenSSH's lines
// ("file: line N: Bad configuration option: x", "file line N: Bad port 'x'.", ...)
// and "file: terminating, N bad configuration options"; a file, an argument count or
// an Include nesting beyond src/wire/limits.hpp's caps is reported the same way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_text.hpp"

namespace skiff::config {

// Answers "Match exec": the command after token expansion; true when it exited 0.
using ExecResolver = std::function<bool(std::string_view command)>;

// Who connects to what: the inputs ssh has before reading its configuration.
struct ClientContext {
  std::string host;         // the host as given on the command line (%n, originalhost)
  std::string local_user;   // %u, Match localuser, default User
  std::string home;         // %d, '~' expansion
  std::string local_host;   // %l (gethostname(), full)
  std::string local_short;  // %L (up to the first '.')
  std::uint32_t uid = 0;    // %i
  // -l / -p / -o already given on the command line are applied before the files by
  // the caller through ClientConfigBuilder::apply_line(); see below.
};

enum class StrictHostKeyChecking : std::uint8_t { no, yes, ask, accept_new };
enum class RequestTty : std::uint8_t { automatic, no, yes, force };
enum class AddressFamily : std::uint8_t { any, inet, inet6 };

struct RekeyLimit {
  std::uint64_t bytes = 0;    // 0: the cipher's default
  std::uint32_t seconds = 0;  // 0: none
};

struct ClientConfig {
  std::string host;  // original host (the Host/originalhost name)
  std::string hostname;
  std::uint16_t port = 22;
  std::string user;
  std::vector<std::string> identity_files;  // as written (expand_tokens() before use)
  bool identities_only = false;
  std::vector<std::string> user_known_hosts_files;    // '~' expanded
  std::vector<std::string> global_known_hosts_files;  // '~' expanded
  StrictHostKeyChecking strict_host_key_checking = StrictHostKeyChecking::ask;
  bool hash_known_hosts = false;
  bool visual_host_key = false;
  std::string preferred_authentications;  // empty: ssh's default order
  bool password_authentication = true;
  bool pubkey_authentication = true;  // the mode (unbound, host-bound) is in other
  bool kbd_interactive_authentication = true;
  int number_of_password_prompts = 3;
  // Algorithm lists after OpenSSH's +/-/^ syntax was applied to skiff's defaults.
  std::vector<std::string> ciphers, macs, kex_algorithms, host_key_algorithms, pubkey_accepted_algorithms;
  bool compression = false;
  int connect_timeout = -1;  // seconds; -1: none
  int connection_attempts = 1;
  int server_alive_interval = 0;
  int server_alive_count_max = 3;
  bool tcp_keep_alive = true;
  RequestTty request_tty = RequestTty::automatic;
  std::vector<std::string> send_env;  // patterns, after "-pattern" removals
  std::vector<std::string> set_env;   // NAME=VALUE
  int escape_char = '~';              // -1: none
  std::string log_level = "INFO";
  bool batch_mode = false;
  AddressFamily address_family = AddressFamily::any;
  std::string bind_address;  // empty: none
  RekeyLimit rekey_limit;
  // Keywords of later issues (ProxyJump, ForwardAgent, ControlPath, ...), kept as
  // written: lowercase keyword -> one entry per occurrence kept (one for first-wins
  // keywords, each occurrence for cumulative ones), arguments joined by a space
  // (ProxyCommand, LocalCommand, RemoteCommand: the rest of the line verbatim).
  std::map<std::string, std::vector<std::string>> other;

  // The value of a kept keyword, or nullopt.
  std::optional<std::string> get(std::string_view keyword) const;
};

// Reads configuration files for one connection. Apply command-line -o options first
// (apply_line), then each file (read_file); finish() runs the final pass when one was
// asked for and fills the defaults.
class ClientConfigBuilder {
 public:
  ClientConfigBuilder(ClientContext ctx, IncludeResolver include, ExecResolver exec);

  // One "-o keyword=value" line, active for every host; Host/Match/Include refused.
  Result<void> apply_line(std::string_view line);
  // user_file: ~/.ssh/config or -F (relative Includes under ~/.ssh); otherwise the
  // system file (relative Includes under /etc/ssh).
  Result<void> read_file(std::string_view name, std::string_view text, bool user_file);
  Result<ClientConfig> finish();

 private:
  friend struct ClientParser;
  // Re-reads every file with final_pass_ set ("Match final" / "Match canonical").
  Result<void> run_final_pass();
  struct Raw {
    std::vector<std::string> args;
    std::string rest;
  };
  ClientContext ctx_;
  IncludeResolver include_;
  ExecResolver exec_;
  std::map<std::string, std::vector<Raw>> set_;
  std::vector<std::pair<std::string, std::string>> files_;  // for the final pass
  std::vector<bool> files_user_;
  bool want_final_ = false;
  bool final_pass_ = false;
  std::size_t files_read_ = 0;
};

// Tokens: %% %C %d %h %i %L %l %n %p %r %u (and %j for ProxyJump, %k HostKeyAlias)
// expanded in text with the values of cfg and ctx; Errc::bad_format for an unknown
// token or a lone '%' at the end. %C is the SHA-1 of %l%h%p%r in hex, as ssh.
Result<std::string> expand_tokens(std::string_view text, const ClientConfig& cfg, const ClientContext& ctx);
// "~" and "~/x" with ctx.home (ssh's tilde_expand_filename for the current user).
std::string expand_tilde(std::string_view path, std::string_view home);

// Like `ssh -G host`: one "keyword value" line per option, lowercase, in ssh's order
// for the keywords skiff knows (identityfile and the kept keywords as written).
std::string dump_client_config(const ClientConfig& cfg);

}  // namespace skiff::config
