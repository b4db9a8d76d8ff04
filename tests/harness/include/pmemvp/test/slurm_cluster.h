// SPDX-License-Identifier: Apache-2.0
// A one-node Slurm cluster on this machine for tests: Debian's munged, slurmctld and slurmd,
// started in the foreground as this process's children with a generated slurm.conf in a
// temporary directory (localhost ports only, no accounting), and stopped by their PIDs.
// SLURM_CONF is set in this process's environment, so every client command it starts (sbatch,
// squeue, pmemvp-sweep) talks to this cluster.
#pragma once
#include <string>
#include <sys/types.h>

namespace pmemvp::test {

class slurm_cluster {
public:
    // Starts the daemons and waits until sinfo shows the node idle. If that cannot be done
    // (no Slurm installed, not root, a daemon that exits), up() is false and problem() says why.
    slurm_cluster();
    ~slurm_cluster(); // stops the daemons and removes the directory
    slurm_cluster(const slurm_cluster&) = delete;
    slurm_cluster& operator=(const slurm_cluster&) = delete;

    bool up() const { return problem_.empty(); }
    const std::string& problem() const { return problem_; }
    const std::string& conf() const { return conf_; }  // slurm.conf
    const std::string& dir() const { return dir_; }

    // The cluster of this test executable, started on first use.
    static slurm_cluster& shared();

    // Its MaxArraySize: array task indexes go from 0 to this less 1.
    static constexpr unsigned max_array_size = 8;

private:
    bool start();
    bool start_munge();
    void write_conf();
    bool wait_until_idle();
    bool alive(pid_t& pid, const std::string& name, const std::string& log);
    void stop(pid_t& pid);

    std::string dir_, conf_, problem_;
    pid_t munged_ = -1, slurmctld_ = -1, slurmd_ = -1;
};

} // namespace pmemvp::test
