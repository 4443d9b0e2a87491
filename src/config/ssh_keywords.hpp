// The table of ssh_config keywords (internal to src/config): what each takes, so that
// one parser validates every keyword as ssh does and keeps its value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "transport/algorithms.hpp"

namespace skiff::config::detail {

enum class Kind : std::uint8_t {
  flag,         // yes/no (true/false)
  choice,       // one of `choices` ('|'-separated, lowercase)
  integer,      // [lo, hi]
  port,         // 1..65535
  time,         // convtime() or "none"
  str,          // one argument, first wins
  multi,        // every argument of the first line (UserKnownHostsFile, SetEnv...)
  cumulative,   // one argument, each line appends (IdentityFile, CertificateFile)
  cumul_multi,  // every argument of every line (SendEnv)
  forward,      // LocalForward / RemoteForward / DynamicForward: appended
  algo,         // algorithm list with OpenSSH's +/-/^ syntax
  rest,         // the rest of the line verbatim (ProxyCommand...)
  escape,       // EscapeChar
  rekey,        // RekeyLimit
  loglevel,
  ignore,       // deprecated or unsupported: accepted and dropped, as ssh
  host,
  match,
  include,
  ignore_unknown,
  subsystem,    // sshd: name and command line
  maxstartups,  // sshd: start[:rate:full]
};

struct Keyword {
  std::string_view name;   // lowercase, as written in the file
  std::string_view canon;  // the option it sets (aliases share one)
  Kind kind;
  std::string_view choices = {};
  long long lo = 0, hi = 0;
  transport::AlgorithmKind algo = transport::AlgorithmKind::cipher;
};

const Keyword* find_client_keyword(std::string_view lower);
bool parse_choice(std::string_view arg, std::string_view choices);
bool valid_log_level(std::string_view arg);
// The diagnostic for bad arguments of k (args not empty), or an empty string.
// written: the keyword as the diagnostics name it (ssh lowercases it, sshd does not).
std::string check_args(const Keyword& k, std::string_view written, const std::vector<std::string>& args);

}  // namespace skiff::config::detail
