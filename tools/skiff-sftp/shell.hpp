// The commands of skiff-sftp, run against a Session as sftp's parse_dispatch_command
// runs them: the remote working directory, globbing, the messages sftp prints. The
// transfers (get, put, reget, reput, -r) are in transfer.cpp, listings (ls, df) in
// listing.cpp, the rest in shell.cpp.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff-sftp/command_parser.hpp"
#include "skiff-sftp/remote_glob.hpp"
#include "file-transfer/bandwidth.hpp"
#include "file-transfer/session.hpp"

namespace skiff::sftp_cli {

struct ShellSettings {
  bool quiet = false;     // -q or batch mode: no "Fetching ..." lines
  bool log_info = true;   // logit()'s lines ("File ... was not modified"): off with -q
  bool show_progress = true;
  bool global_resume = false, global_fsync = false, global_preserve = false, global_recursive = false;
  std::uint64_t limit_kbps = 0;  // -l: transfers kept under this rate (Kbit/s); 0: none
};

class Shell : public RemoteLookup {
 public:
  Shell(Session& session, ShellSettings settings);

  // Runs the realpath(".") sftp does first; false (after sftp's message) on failure.
  bool begin();
  // One line. Returns 0 to go on, 1 after quit, -1 when a failure must stop batch mode.
  int dispatch(const std::string& line, bool err_abort, bool echo);
  const std::string& pwd() const { return pwd_; }

  // RemoteLookup, for globbing.
  std::optional<std::vector<sftp::NameEntry>> list(const std::string& dir) override;
  std::optional<sftp::FileAttributes> stat(const std::string& path, bool follow) override;

  // Set by SIGINT: stops transfers and listings at the next step.
  static volatile int interrupted;

 private:
  friend class ShellTest;
  int run(const Command& c, bool err_abort);

  // Requests that print sftp's message on failure and return false.
  std::optional<sftp::FileAttributes> do_stat(const std::string& path, bool follow, bool quiet);
  std::optional<std::string> do_realpath(const std::string& path);
  bool do_status(Result<sftp::RequestId> request, const std::string& what);
  std::optional<std::string> open_handle(const std::string& path, std::uint32_t pflags,
                                         const sftp::FileAttributes& attrs, const std::string& what);
  bool close_handle(const std::string& handle);
  bool remote_is_dir(const std::string& path);
  // The whole directory, or nothing after "remote readdir(...)"'s message.
  std::optional<std::vector<sftp::NameEntry>> read_directory(const std::string& path, bool quiet);

  // transfer.cpp
  int process_get(const Command& c);
  int process_put(const Command& c);
  bool download(const std::string& remote, const std::string& local, std::optional<sftp::FileAttributes> attrs,
                bool preserve, bool resume, bool fsync);
  bool upload(const std::string& local, const std::string& remote, bool preserve, bool resume, bool fsync);
  bool download_dir(const std::string& src, const std::string& dst, std::optional<sftp::FileAttributes> attrs,
                    bool preserve, bool resume, bool fsync, int depth);
  bool upload_dir(const std::string& src, const std::string& dst, bool preserve, bool resume, bool fsync, int depth);
  int do_copy(const std::string& from, const std::string& to);

  // listing.cpp
  int do_ls(const Command& c);
  int ls_dir(const std::string& path, const std::optional<std::string>& strip, int flags);
  int ls_glob(const std::string& pattern, const std::optional<std::string>& strip, int flags);
  int do_df(const std::string& path, bool human, bool inodes);
  std::string long_line(const std::string& name, const sftp::FileAttributes& a, int flags);
  void lookup_names(const std::vector<const sftp::FileAttributes*>& attrs);

  void error(const std::string& message) const;  // stderr, as log.c's error()
  void info(const std::string& message) const;   // stderr unless -q (logit())
  void out(const std::string& text) const;       // stdout

  Session& session_;
  sftp::Client& client_;
  ShellSettings settings_;
  std::string pwd_;
  std::string start_dir_;
  std::map<std::uint32_t, std::string> user_names_, group_names_;
  BandwidthLimit limit_;
};

}  // namespace skiff::sftp_cli
