// Authentication types shared by the client and server APIs.
#pragma once

#include <string>
#include <vector>

namespace skiff {

// One prompt of a keyboard-interactive round (RFC 4256 3.2).
struct Prompt {
  std::string text;
  bool echo = false;
};
struct KeyboardInteractiveRequest {
  std::string name;
  std::string instruction;
  std::vector<Prompt> prompts;
};

}  // namespace skiff
