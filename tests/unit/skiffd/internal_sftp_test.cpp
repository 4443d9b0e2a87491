// internal-sftp: the command-line test, the engine run in a forked session child (an INIT
// in, a VERSION out, the log lines on the pipe, the exit status), ForceCommand's refusal
// of a non-sftp session, and the single-thread rule for functions run after fork.
#include <gtest/gtest.h>

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "system/internal_sftp.hpp"
#include "system/session_spawn.hpp"
#include "system/user_lookup.hpp"
#include "system_test_util.hpp"

using namespace skiff::skiffd;
using skiffd_test::read_all;
using skiffd_test::TempDir;

namespace {

UserAccount me_in(const std::string& home) {
  auto me = lookup_uid(::geteuid());
  UserAccount u = me && *me ? **me : fake_user("me");
  u.home = home;
  return u;
}

SessionExit wait_exit(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    if (auto st = try_reap(pid)) return decode_wait_status(*st);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "session did not end";
  return {};
}

Peer test_peer() {
  Peer p;
  p.address = "192.0.2.7";
  p.port = 40022;
  return p;
}

}  // namespace

TEST(SkiffdInternalSftp, RecognisesTheNameAloneOrWithFlags) {
  EXPECT_TRUE(is_internal_sftp("internal-sftp"));
  EXPECT_TRUE(is_internal_sftp("internal-sftp -l INFO"));
  EXPECT_TRUE(is_internal_sftp("internal-sftp\t-R"));
  EXPECT_FALSE(is_internal_sftp("internal-sftpx"));
  EXPECT_FALSE(is_internal_sftp("/usr/lib/openssh/sftp-server"));
  EXPECT_FALSE(is_internal_sftp(" internal-sftp"));
  EXPECT_FALSE(is_internal_sftp(""));
}

TEST(SkiffdInternalSftp, ServesInTheSessionChildAndLogsThroughThePipe) {
  TempDir home;
  UserAccount u = me_in(home.path());
  SpawnPlan plan;
  plan.user = &u;
  plan.run_in_child = internal_sftp_child("internal-sftp -l INFO", u, test_peer());
  plan.with_log_pipe = true;
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE(p->log_fd);
  // SSH_FXP_INIT, version 3.
  const unsigned char init[] = {0, 0, 0, 5, 1, 0, 0, 0, 3};
  ASSERT_EQ(::write(p->stdin_fd.get(), init, sizeof init), static_cast<ssize_t>(sizeof init));
  p->stdin_fd.reset();
  const std::string out = read_all(p->stdout_fd.get());
  ASSERT_GE(out.size(), 9u);
  EXPECT_EQ(out[4], 2) << "SSH_FXP_VERSION";
  EXPECT_EQ(out[8], 3);
  const std::string log = read_all(p->log_fd.get());
  EXPECT_NE(log.find("3session opened for local user " + u.name + " from [192.0.2.7]\n"), std::string::npos) << log;
  EXPECT_NE(log.find("3session closed for local user " + u.name + " from [192.0.2.7]\n"), std::string::npos) << log;
  EXPECT_EQ(wait_exit(p->pid).exit_status, 0u);
}

TEST(SkiffdInternalSftp, BadFlagsEndWithUsage) {
  TempDir home;
  UserAccount u = me_in(home.path());
  SpawnPlan plan;
  plan.user = &u;
  plan.run_in_child = internal_sftp_child("internal-sftp -Z", u, test_peer());
  plan.with_log_pipe = true;
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p) << p.error().message;
  p->stdin_fd.reset();
  EXPECT_NE(read_all(p->stderr_fd.get()).find("usage: internal-sftp"), std::string::npos);
  EXPECT_EQ(wait_exit(p->pid).exit_status, 1u);
}

TEST(SkiffdInternalSftp, ForcedInternalSftpRefusesAShell) {
  TempDir home;
  UserAccount u = me_in(home.path());
  SpawnPlan plan;
  plan.user = &u;
  plan.run_in_child = refuse_non_sftp_child(test_peer());
  plan.with_log_pipe = true;
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(read_all(p->stdout_fd.get()), "This service allows sftp connections only.\n");
  EXPECT_EQ(read_all(p->log_fd.get()), "2Connection from 192.0.2.7 port 40022: refusing non-sftp session\n");
  EXPECT_EQ(wait_exit(p->pid).exit_status, 1u);
}

TEST(SkiffdInternalSftp, NoFunctionRunAfterForkWhileAnotherThreadLives) {
  TempDir home;
  UserAccount u = me_in(home.path());
  SpawnPlan plan;
  plan.user = &u;
  plan.run_in_child = [](int) { return 0; };
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread other([&] {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
  });
  EXPECT_FALSE(single_threaded());
  auto p = spawn_process(plan, std::nullopt);
  {
    std::lock_guard lock(m);
    done = true;
  }
  cv.notify_all();
  other.join();
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("several threads"), std::string::npos);
  EXPECT_TRUE(single_threaded());
}
