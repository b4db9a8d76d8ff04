// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/test/slurm_cluster.h"

#include "pmemvp/test/debugger.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace pmemvp::test {

namespace fs = std::filesystem;

namespace {

// The program's path in the system's directories (root's PATH may lack /usr/sbin); empty if none.
std::string installed(const std::string& program) {
    for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
        if (::access((dir + program).c_str(), X_OK) == 0) return dir + program;
    return {};
}

// The last lines of a log, for a message saying why a daemon did not come up.
std::string tail(const std::string& path, std::size_t lines = 8) {
    std::ifstream in(path);
    std::vector<std::string> all;
    for (std::string l; std::getline(in, l);)
        all.push_back(l);
    std::string s;
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
        s += "\n    " + all[i];
    return s.empty() ? " (empty log " + path + ")" : s;
}

// A generous guard against a daemon that never comes up, not a timing assertion.
constexpr auto patience = std::chrono::seconds(90);

} // namespace

slurm_cluster& slurm_cluster::shared() {
    static slurm_cluster cluster;
    return cluster;
}

slurm_cluster::slurm_cluster() {
    if (!start()) {
        stop(slurmd_);
        stop(slurmctld_);
        stop(munged_);
    }
}

slurm_cluster::~slurm_cluster() {
    // Jobs a failed test left behind go first: their processes are not the daemons' children.
    if (up()) run_process({"scancel", "--partition=debug"});
    stop(slurmd_);
    stop(slurmctld_);
    stop(munged_);
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
}

bool slurm_cluster::start() {
    for (const char* p : {"munged", "slurmctld", "slurmd", "sbatch", "sinfo"})
        if (installed(p).empty()) {
            problem_ = std::string(p) + " is not installed (Debian: slurm-wlm munge; scripts/setup installs them)";
            return false;
        }
    if (::geteuid() != 0) {
        problem_ = "slurmd must run as root (it starts jobs as their users); run the test as root";
        return false;
    }
    // Short and under /tmp: munged's socket path must fit a sockaddr_un.
    char templ[] = "/tmp/pmemvp-slurm.XXXXXX";
    if (!::mkdtemp(templ)) {
        problem_ = "cannot create a directory under /tmp";
        return false;
    }
    dir_ = templ;
    for (const char* d : {"munge", "state", "spool"})
        fs::create_directories(dir_ + "/" + d);
    if (!start_munge()) return false;
    write_conf();
    ::setenv("SLURM_CONF", conf_.c_str(), 1);
    slurmctld_ = start_process({installed("slurmctld"), "-D", "-f", conf_}, dir_ + "/slurmctld.out", dir_ + "/slurmctld.out");
    // -N: the node is "localhost" whatever this machine's host name is.
    slurmd_ = start_process({installed("slurmd"), "-D", "-f", conf_, "-N", "localhost"}, dir_ + "/slurmd.out", dir_ + "/slurmd.out");
    return wait_until_idle();
}

bool slurm_cluster::start_munge() {
    // Its own key: this cluster trusts nobody else's credentials.
    std::ofstream key(dir_ + "/munge/munge.key", std::ios::binary);
    std::random_device rd;
    for (int i = 0; i < 1024; ++i)
        key.put(static_cast<char>(rd()));
    key.close();
    fs::permissions(dir_ + "/munge/munge.key", fs::perms::owner_read | fs::perms::owner_write);
    const std::string m = dir_ + "/munge/";
    // --force: munged would refuse /tmp's permissions on the socket's directory.
    munged_ = start_process({installed("munged"), "-F", "--force", "--socket=" + m + "socket", "--key-file=" + m + "munge.key",
                             "--pid-file=" + m + "munged.pid", "--log-file=" + m + "munged.log",
                             "--seed-file=" + m + "munged.seed"},
                            m + "munged.out", m + "munged.out");
    const auto until = std::chrono::steady_clock::now() + patience;
    while (!fs::exists(m + "socket")) {
        if (!alive(munged_, "munged", m + "munged.log")) return false;
        if (std::chrono::steady_clock::now() > until) {
            problem_ = "munged made no socket in " + std::to_string(patience.count()) + " s:" + tail(m + "munged.log");
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

void slurm_cluster::write_conf() {
    conf_ = dir_ + "/slurm.conf";
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    std::ofstream c(conf_);
    c << "# A one-node test cluster (tests/harness/slurm_cluster.cpp)\n"
      << "ClusterName=pmemvptest\n"
      << "SlurmctldHost=localhost\n"
      << "SlurmctldPort=" << free_port() << "\n"
      << "SlurmdPort=" << free_port() << "\n"
      << "AuthType=auth/munge\nCredType=cred/munge\n"
      << "AuthInfo=socket=" << dir_ << "/munge/socket\n"
      << "SlurmUser=root\nSlurmdUser=root\n"
      << "StateSaveLocation=" << dir_ << "/state\n"
      << "SlurmdSpoolDir=" << dir_ << "/spool\n"
      << "SlurmctldPidFile=" << dir_ << "/slurmctld.pid\n"
      << "SlurmdPidFile=" << dir_ << "/slurmd.pid\n"
      << "SlurmctldLogFile=" << dir_ << "/slurmctld.log\n"
      << "SlurmdLogFile=" << dir_ << "/slurmd.log\n"
      << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
      << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
      << "AccountingStorageType=accounting_storage/none\nJobAcctGatherType=jobacct_gather/none\n"
      << "JobCompType=jobcomp/none\nMpiDefault=none\nMailProg=/bin/true\n"
      << "ReturnToService=2\n"
      // Small, so that a test can make pmemvp-sweep split a sweep into a chain of arrays.
      << "MaxArraySize=" << max_array_size << "\n"
      << "NodeName=localhost CPUs=" << cpus << " State=UNKNOWN\n"
      << "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n";
}

bool slurm_cluster::wait_until_idle() {
    const auto until = std::chrono::steady_clock::now() + patience;
    std::string state;
    for (;;) {
        if (!alive(munged_, "munged", dir_ + "/munge/munged.log") ||
            !alive(slurmctld_, "slurmctld", dir_ + "/slurmctld.log") || !alive(slurmd_, "slurmd", dir_ + "/slurmd.log"))
            return false;
        state = run_process({"sinfo", "--noheader", "--nodes=localhost", "--format=%T"}).out;
        while (!state.empty() && (state.back() == '\n' || state.back() == ' ')) state.pop_back();
        if (state == "idle") return true;
        if (std::chrono::steady_clock::now() > until) {
            problem_ = "the node is not idle after " + std::to_string(patience.count()) + " s (sinfo: \"" + state +
                       "\"); slurmctld.log:" + tail(dir_ + "/slurmctld.log") + "\n  slurmd.log:" + tail(dir_ + "/slurmd.log");
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

// Whether the daemon still runs; if not, problem_ says how it ended, with its log.
bool slurm_cluster::alive(pid_t& pid, const std::string& name, const std::string& log) {
    int status = 0;
    if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == 0) return true;
    std::ostringstream s;
    s << name << " exited (" << (WIFEXITED(status) ? "status " + std::to_string(WEXITSTATUS(status)) : "killed")
      << "):" << tail(log);
    const std::string out = fs::path(log).parent_path().string() + "/" + name + ".out";
    if (fs::exists(out)) s << "\n  its output:" << tail(out);
    problem_ = s.str();
    pid = -1;
    return false;
}

void slurm_cluster::stop(pid_t& pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) { // 30 s for a clean stop, then SIGKILL
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    pid = -1;
}

} // namespace pmemvp::test
