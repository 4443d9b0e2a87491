// The interactive prompt of skiff-sftp on a terminal, as sftp's with libedit: emacs-style
// line editing, a history of the session's lines (100, as sftp), and tab completion
// (completion.hpp). Without a terminal the caller reads lines itself.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "skiff-sftp/completion.hpp"

namespace skiff::sftp_cli {

class LineEditor {
 public:
  // nullptr when libedit cannot drive the terminal.
  static std::unique_ptr<LineEditor> open(const char* program, DirLister lister);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // The next line without its newline; nullopt at the end of input (^D). ^C gives an
  // empty line (a fresh prompt).
  std::optional<std::string> read_line();

  struct Impl;

 private:
  explicit LineEditor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::sftp_cli
