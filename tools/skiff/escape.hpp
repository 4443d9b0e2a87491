// ssh's escape sequences (clientloop.c process_escapes) as a filter over the bytes
// read from stdin: the escape character (~ by default) is recognised only right after
// a newline ('\r' or '\n'; the start of the session counts as one), and the character
// after it picks the action. Pure: the caller performs the actions in order.
//
// Active only when ssh's are: a pty was requested for the session (see
// session_policy.hpp active_escape_char), never on a mux client (skiff has none).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/reader.hpp"

namespace skiff::cli {

struct EscapeStep {
  enum class Kind : std::uint8_t {
    data,           // bytes for the session channel
    message,        // text for stderr (ssh's own words, "\r\n" ended)
    disconnect,     // ~.  : close the connection (ssh quits)
    suspend,        // ~^Z : restore the terminal, SIGTSTP ourselves, raw mode again on
                    //       continue, then send a window-change
    background,     // ~&  : restore the terminal, fork, the parent exits 0; the child
                    //       goes on with the data step that follows (a ^D, ssh's fake EOF)
    list_forwards,  // ~#  : print the open channels list (after the "~#" message)
    send_break,     // ~B  : "break" request with 1000 ms
    rekey,          // ~R  : start a key re-exchange
    log_level,      // ~V / ~v: the new LogLevel is in `text` (ssh's name for it)
    command_line,   // ~C  : read and carry out one "ssh> " command (EnableEscapeCommandline)
  };
  Kind kind;
  std::string text;  // data, message, or the log level name
};

class EscapeFilter {
 public:
  // log_level: the LogLevel in force, by ssh's name (QUIET ... DEBUG3); ~V/~v move it.
  // command_line: EnableEscapeCommandline; without it (9.2's default) ~C answers
  // "commandline disabled" and ~? does not list it.
  EscapeFilter(unsigned char escape_char, std::string_view log_level, bool command_line = false);

  // The steps for these input bytes, in order; consecutive data is merged. After
  // disconnect (and after background's EOF) the rest of the input is dropped, as ssh.
  // ~^Z drops what this call had queued for the channel, as ssh resets its buffer.
  std::vector<EscapeStep> feed(wire::ByteView input);

  // ssh's ~? text for this escape character.
  std::string help_text() const;

 private:
  unsigned char escape_;
  int level_;  // index in ssh's level table
  bool command_line_ = false;
  bool pending_ = false;
  bool after_newline_ = true;
};

}  // namespace skiff::cli
