// OpenSSH's wildcard patterns ('*' any run of characters, '?' exactly one), as used in
// algorithm lists, host patterns (known_hosts, from=, Host blocks) and user patterns.
#pragma once

#include <string_view>

namespace skiff::wire {

// Case-sensitive; callers that match host names lower both sides first.
bool match_glob(std::string_view text, std::string_view pattern);

}  // namespace skiff::wire
