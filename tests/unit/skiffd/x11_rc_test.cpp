// skiffd's X11 pieces that need no network: x11-req's character check, DISPLAY names,
// and the rc files / xauth run in the session child before the command (do_rc_files).
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "system/rc_files.hpp"
#include "system/session_spawn.hpp"
#include "system/user_lookup.hpp"
#include "system_test_util.hpp"

using namespace skiff::skiffd;

namespace {

SessionRequest::X11 sample_x11() { return {"localhost:10.0", "unix:10.0", "MIT-MAGIC-COOKIE-1", "00ff"}; }

}  // namespace

TEST(SkiffdX11, XauthValidString) {
  EXPECT_TRUE(xauth_valid_string("MIT-MAGIC-COOKIE-1"));
  EXPECT_TRUE(xauth_valid_string("0123abcdef"));
  EXPECT_FALSE(xauth_valid_string("00ff\nadd evil"));
  EXPECT_FALSE(xauth_valid_string("a b"));
  EXPECT_FALSE(xauth_valid_string("$(id)"));
}

TEST(SkiffdX11, DisplayNames) {
  auto local = x11_display_names(10, 0, true, "box");
  EXPECT_EQ(local.display, "localhost:10.0");
  EXPECT_EQ(local.auth_display, "unix:10.0");
  auto any = x11_display_names(12, 1, false, "box.example");
  EXPECT_EQ(any.display, "box.example:12.1");
  EXPECT_EQ(any.auth_display, "box.example:12.1");
}

TEST(SkiffdX11, RcPlanOrder) {
  RcInput in;
  in.home = "/home/u";
  in.shell = "/bin/bash";
  in.x11 = sample_x11();
  auto plan = plan_rc_files(in);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].requires_path, "/home/u/.ssh/rc");
  EXPECT_EQ(plan[0].argv, (std::vector<std::string>{"/bin/bash", "-c", "/bin/sh /home/u/.ssh/rc"}));
  EXPECT_EQ(plan[0].input, "MIT-MAGIC-COOKIE-1 00ff\n");
  EXPECT_EQ(plan[1].requires_path, std::string(kSystemRcPath));
  EXPECT_EQ(plan[1].argv, (std::vector<std::string>{"/bin/sh", std::string(kSystemRcPath)}));
  EXPECT_EQ(plan[2].requires_path, "");
  EXPECT_EQ(plan[2].argv, (std::vector<std::string>{"/usr/bin/xauth", "-q", "-"}));
  EXPECT_EQ(plan[2].input, "remove unix:10.0\nadd unix:10.0 MIT-MAGIC-COOKIE-1 00ff\n");

  in.user_rc_allowed = false;  // subsystem, ForceCommand, PermitUserRC no or no-user-rc
  in.x11.reset();              // and without X11, no xauth and an empty input
  plan = plan_rc_files(in);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].input, "");
  in.system_rc.clear();
  EXPECT_TRUE(plan_rc_files(in).empty());
}

// The child runs the first candidate whose file exists, with its input, before the command.
TEST(SkiffdX11, SpawnRunsTheRcBeforeTheCommand) {
  skiffd_test::TempDir home;
  auto me = lookup_uid(::geteuid());
  UserAccount u = me && *me ? **me : fake_user("me");
  u.home = home.path();
  const std::string out = home.path() + "/rc-input";
  SpawnPlan plan;
  plan.user = &u;
  plan.command = "cat rc-input";
  plan.env = {"PATH=/usr/bin:/bin"};
  plan.rc.push_back({home.path() + "/missing", {"/bin/sh", "-c", "echo wrong > rc-input"}, ""});
  plan.rc.push_back({{}, {"/bin/sh", "-c", "cat > rc-input"}, "remove unix:10.0\nadd unix:10.0 P C\n"});
  plan.rc.push_back({{}, {"/bin/sh", "-c", "echo third > rc-input"}, ""});
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p) << p.error().message;
  p->stdin_fd.reset();
  EXPECT_EQ(skiffd_test::read_all(p->stdout_fd.get()), "remove unix:10.0\nadd unix:10.0 P C\n");
  for (int i = 0; i < 500 && !try_reap(p->pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}
