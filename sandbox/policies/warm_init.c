/*
 * PID 1 of a warm jail: one jail (namespaces, mounts, cgroup) serves every test of one submission.
 *
 * The sandbox sends one request per test on fd 4 (a SOCK_SEQPACKET socket that nsjail passes through): the
 * program's stdin, stdout and stderr as SCM_RIGHTS and a payload "<argc>\0<argv...>\0<env...>\0". For each request
 * this init first reaps every orphan and removes every System V IPC object the jail holds (the sandbox has killed
 * every process of the previous test by then, so nothing is attached), then forks the program in a new session with
 * the three fds as 0-2, waits for it (reaping orphans meanwhile) and answers "S <wait status> <own cpu ns>": the
 * CPU this process spent on the request, which the sandbox takes away from the slot's counter. "E <what> <errno>"
 * says why the program could not be started.
 *
 * Built with -DVERDICT_PYTHON and linked with libpython it is the Python zygote: it initialises the interpreter
 * exactly as `python3 ARGS...` would (same argv, environment and stdio kind: pipes), with no Python frame on the
 * stack, and each request's child runs Py_RunMain(): the script runs as __main__ with the tracebacks, exit codes,
 * atexit handlers and finalisation of a plain start. Only the stdio fds change in the child.
 *
 * Like jail_init.c: not dumpable (the program cannot reach this process's fds through /proc/1), every fd but 0-2
 * closed in the child, and signals other than the default ones cannot reach PID 1 from inside its namespace.
 *
 * usage: warm-init PROGRAM-ARGV...    (the zygote: python-zygote /usr/bin/python3 ARGS...)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef VERDICT_PYTHON
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif

#define CONTROL_FD 4
#define MAX_PAYLOAD (256 * 1024)
#define MAX_STRINGS 4096

static char payload[MAX_PAYLOAD + 1];
static char *strings[MAX_STRINGS + 2];

static long long cpu_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void reap_orphans(void) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

/* Remove every shared memory segment, semaphore set and message queue of this IPC namespace. */
static void clear_ipc(void) {
    struct shm_info shm;
    int top = shmctl(0, SHM_INFO, (struct shmid_ds *)&shm);
    for (int i = 0; i <= top; i++) {
        struct shmid_ds ds;
        int id = shmctl(i, SHM_STAT, &ds);
        if (id >= 0) shmctl(id, IPC_RMID, NULL);
    }
    struct seminfo sem;
    top = semctl(0, 0, SEM_INFO, (void *)&sem);
    for (int i = 0; i <= top; i++) {
        struct semid_ds ds;
        int id = semctl(i, 0, SEM_STAT, &ds);
        if (id >= 0) semctl(id, 0, IPC_RMID);
    }
    struct msginfo msg;
    top = msgctl(0, MSG_INFO, (struct msqid_ds *)&msg);
    for (int i = 0; i <= top; i++) {
        struct msqid_ds ds;
        int id = msgctl(i, MSG_STAT, &ds);
        if (id >= 0) msgctl(id, IPC_RMID, NULL);
    }
}

static void reply(const char *line) {
    send(CONTROL_FD, line, strlen(line), MSG_NOSIGNAL);
}

/* Receive one request: the three stdio fds and the strings. Returns the number of strings, 0 at EOF, -1 if bad. */
static int receive(int fds[3]) {
    char control[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = {.iov_base = payload, .iov_len = MAX_PAYLOAD};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t got;
    do {
        got = recvmsg(CONTROL_FD, &msg, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return 0;
    int count = 0;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
        count = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        if (count == 3) memcpy(fds, CMSG_DATA(cmsg), 3 * sizeof(int));
    }
    if (count != 3 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        if (count > 0) {
            int extra[8];
            memcpy(extra, CMSG_DATA(cmsg), (count > 8 ? 8 : count) * sizeof(int));
            for (int i = 0; i < count && i < 8; i++) close(extra[i]);
        }
        return -1;
    }
    payload[got] = '\0';
    int n = 0;
    for (char *p = payload; p < payload + got && n < MAX_STRINGS; p += strlen(p) + 1) strings[n++] = p;
    strings[n] = NULL;
    return n;
}

/* The sandbox makes this init the OOM killer's last choice; its children start as choosable as any program. */
static void ordinary_oom_score(void) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, "0", 1) < 0) { /* best effort */
        }
        close(fd);
    }
}

static void close_from(int lowest) {
    if (syscall(SYS_close_range, lowest, ~0U, 0) != 0) {
        for (int fd = lowest; fd < 1024; fd++) close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) return 127;
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC);
#ifdef VERDICT_PYTHON
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    PyStatus status = PyConfig_SetBytesArgv(&config, argc - 1, argv + 1);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        dprintf(CONTROL_FD, "E python-init 0");
        return 126;
    }
#endif
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old); /* nothing a program sends may disturb this process */
    reply("R"); /* ready: in the jail's root, the interpreter (zygote) initialised */
    for (;;) {
        int fds[3];
        int n = receive(fds);
        if (n == 0) return 0;
        long long start = cpu_ns();
        if (n < 0) {
            reply("E request 22");
            continue;
        }
        reap_orphans();
        clear_ipc();
        int args = atoi(strings[0]);
        if (args < 1 || args >= n) {
            for (int i = 0; i < 3; i++) close(fds[i]);
            reply("E request 22");
            continue;
        }
#ifdef VERDICT_PYTHON
        PyOS_BeforeFork();
#endif
        pid_t child = fork();
        if (child == 0) {
            for (int i = 0; i < 3; i++) {
                if (dup2(fds[i], i) < 0) _exit(126);
            }
            setsid();
            ordinary_oom_score();
            sigprocmask(SIG_SETMASK, &old, NULL);
#ifdef VERDICT_PYTHON
            PyOS_AfterFork_Child();
            prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); /* as after an exec: the program may read its own /proc */
            close_from(3);
            return Py_RunMain();
#else
            if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) close_from(5);
            static char *arguments[MAX_STRINGS + 1];
            for (int i = 0; i < args; i++) arguments[i] = strings[1 + i];
            arguments[args] = NULL;
            environ = strings + 1 + args; /* NULL-terminated by receive() */
            execvp(arguments[0], arguments);
            char line[64];
            snprintf(line, sizeof line, "E exec %d", errno);
            reply(line);
            _exit(127);
#endif
        }
#ifdef VERDICT_PYTHON
        PyOS_AfterFork_Parent();
#endif
        for (int i = 0; i < 3; i++) close(fds[i]);
        if (child < 0) {
            char line[64];
            snprintf(line, sizeof line, "E fork %d", errno);
            reply(line);
            continue;
        }
        int wait_status = 0;
        for (;;) {
            int reaped_status;
            pid_t pid = wait(&reaped_status);
            if (pid == child) {
                wait_status = reaped_status;
                break;
            }
            if (pid < 0 && errno != EINTR) break;
        }
        reap_orphans();
        char line[96];
        snprintf(line, sizeof line, "S %d %lld", wait_status, cpu_ns() - start);
        reply(line);
    }
}
