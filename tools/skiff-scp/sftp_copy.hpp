// scp's SFTP mode (the default since OpenSSH 9.0): copies through skiff's SFTP client
// engine, with sftp-client.c's do_upload/do_download/upload_dir/download_dir behaviour
// and scp's messages ("scp: " prefixed, as scp logs them). Remote sources are globbed
// on the server (remote_glob), as scp does.
#pragma once

#include <optional>
#include <string>

#include "file-transfer/session.hpp"
#include "file-transfer/bandwidth.hpp"

namespace skiff::scp_cli {

struct SftpCopySettings {
  bool recursive = false;
  bool preserve = false;
  bool show_progress = false;
  std::uint64_t limit_kbps = 0;
};

class SftpCopier {
 public:
  SftpCopier(sftp_cli::Session& session, SftpCopySettings settings);

  // One local source to the remote target (a directory, or the file's new name).
  // `target_label` is the operand as typed, for the failure message.
  bool upload(const std::string& local, const std::string& remote_target, const std::string& target_label);
  // One remote source (a glob pattern) to the local target.
  bool download(const std::string& remote_pattern, const std::string& local_target);
  // -3: one remote source of this session to `to`'s target.
  bool crossload(const std::string& remote_pattern, SftpCopier& to, const std::string& remote_target);

  // "~" and "~/x" through expand-path@openssh.com when the server offers it; "" is ".".
  std::string resolve(const std::string& remote_path);
  std::optional<sftp::FileAttributes> stat(const std::string& path, bool follow, bool quiet);
  bool is_dir(const std::string& remote_path);
  // A directory's entries without "." and ".."; names with '/' are dropped with an error.
  std::optional<std::vector<sftp::NameEntry>> list(const std::string& dir);
  sftp_cli::Session& session() { return session_; }

 private:
  bool upload_file(const std::string& local, const std::string& remote);
  bool upload_dir(const std::string& local, const std::string& remote, int depth);
  bool download_file(const std::string& remote, const std::string& local, std::optional<sftp::FileAttributes> attrs);
  bool download_dir(const std::string& remote, const std::string& local, const sftp::FileAttributes& attrs, int depth);
  bool crossload_file(const std::string& from, SftpCopier& to, const std::string& dest,
                      std::optional<sftp::FileAttributes> attrs);
  bool crossload_dir(const std::string& from, SftpCopier& to, const std::string& dest,
                     const sftp::FileAttributes& attrs, int depth);
  std::optional<std::string> open(const std::string& path, std::uint32_t flags, const sftp::FileAttributes& a,
                                  const std::string& what);
  bool close(const std::string& handle);
  bool simple_status(Result<sftp::RequestId> request, std::string* message = nullptr);

  sftp_cli::Session& session_;
  sftp::Client& client_;
  SftpCopySettings settings_;
  sftp_cli::BandwidthLimit limit_;
};

// scp's log line on stderr: "scp: " + message.
void log_error(const std::string& message);

}  // namespace skiff::scp_cli
