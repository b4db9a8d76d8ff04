// SPDX-License-Identifier: Apache-2.0
#include "daemon.h"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <initializer_list>
#include <sys/wait.h>
#include <unistd.h>

namespace pmemvp::cli {

namespace {
int ready_pipe = -1; // the child's end; -1 when not daemonized
}

void daemonize() {
    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("pmemvp: -daemonize: pipe");
        std::exit(1);
    }
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child < 0) {
        std::perror("pmemvp: -daemonize: fork");
        std::exit(1);
    }
    if (child == 0) {
        close(fds[0]);
        ready_pipe = fds[1];
        setsid(); // no controlling terminal: a hangup of the shell does not reach the daemon
        return;
    }
    close(fds[1]);
    char byte = 0;
    ssize_t n;
    while ((n = read(fds[0], &byte, 1)) < 0) {
    }
    if (n == 1) std::_Exit(0); // ready
    int status = 0;            // the child ended before it was ready: its status is ours
    while (waitpid(child, &status, 0) < 0) {
    }
    std::_Exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

void daemon_ready() {
    if (ready_pipe < 0) return;
    const char byte = 1;
    (void)!write(ready_pipe, &byte, 1);
    close(ready_pipe);
    ready_pipe = -1;
    const int null = open("/dev/null", O_RDWR);
    if (null < 0) return;
    std::fflush(nullptr);
    for (int fd : {0, 1, 2}) dup2(null, fd);
    if (null > 2) close(null);
}

} // namespace pmemvp::cli
