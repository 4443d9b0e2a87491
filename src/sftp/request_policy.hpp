// Which requests a server answers: read-only mode and the allow and deny lists of
// sftp-server's -R, -p and -P. Requests are named as sftp-server names them
// ("open", "posix-rename", "users-groups-by-id", ...; `sftp-server -Q requests`).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sftp/protocol.hpp"

namespace skiff::sftp {

struct RequestInfo {
  std::string_view name;            // the user-visible name in -p / -P / -Q
  std::string_view extension_name;  // for extended requests, the name on the wire
  bool writes;                      // refused in read-only mode
};

// Every request skiff answers, in sftp-server's -Q order: the version 3 packets, then
// the extensions (which VERSION advertises in this order).
std::span<const RequestInfo> request_table() noexcept;
const RequestInfo* find_request(std::string_view name) noexcept;

struct RequestPolicy {
  bool read_only = false;
  // Comma-separated names, compared exactly (no wildcards, as sftp-server's match_list).
  std::optional<std::vector<std::string>> allowed;  // -p: only these
  std::optional<std::vector<std::string>> denied;   // -P: never these

  // Checks a request by name. OPEN is never refused for read-only mode here (it checks
  // its flags itself). On refusal, why (for the log, in sftp-server's words).
  std::optional<std::string> refusal(const RequestInfo& request) const;
};

// Splits "open,close,read" for RequestPolicy; unknown names are reported (sftp-server
// accepts them silently; we accept them too, and the tool warns).
std::vector<std::string> split_request_list(std::string_view list);

}  // namespace skiff::sftp
