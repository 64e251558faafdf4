/*
 * PID 1 of every jail (compiled statically by the sandbox at start-up).
 *
 * The first process of a pid namespace ignores every signal it sends itself whose action is the default one, so a
 * program that *is* PID 1 cannot abort() (it ends with SIGSEGV), is not stopped by SIGXFSZ or RLIMIT_CPU, and
 * collects orphans as zombies. This init runs the program as its child instead, reaps every orphan, and reports
 * the program's exact wait status and its own CPU time (or why the program could not be executed) on fd 4, a pipe
 * to the sandbox that nsjail
 * passes through. The program never holds that fd (close-on-exec) and cannot reach it through /proc/1 (this
 * process is not dumpable); seccomp forbids ptrace. When init exits, the kernel kills whatever is left.
 *
 * usage: init PROGRAM [ARG...]     (PATH search like execvp)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STATUS_FD 4

int main(int argc, char **argv) {
    if (argc < 2) {
        return 127;
    }
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    pid_t child = fork();
    if (child < 0) {
        dprintf(STATUS_FD, "E fork %d\n", errno);
        return 126;
    }
    if (child == 0) {
        execvp(argv[1], argv + 1);
        dprintf(STATUS_FD, "E exec %d\n", errno);
        _exit(127);
    }
    int status = 0;
    for (;;) {
        int reaped_status;
        pid_t pid = wait(&reaped_status);
        if (pid == child) {
            status = reaped_status;
            break;
        }
        if (pid < 0 && errno != EINTR) {
            dprintf(STATUS_FD, "E wait %d\n", errno);
            return 126;
        }
    }
    /* This process's own CPU time (including nsjail's set-up before it became init), so that the sandbox can
       charge the program with its own time only. */
    struct timespec self;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &self);
    dprintf(STATUS_FD, "S %d %lld\n", status, (long long)self.tv_sec * 1000000000LL + self.tv_nsec);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
