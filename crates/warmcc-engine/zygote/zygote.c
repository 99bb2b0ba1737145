/* warmcc's compiler fork server, preloaded into clang (LD_PRELOAD).
 *
 * clang-19 spends ~25 ms of every run in the dynamic loader relocating libLLVM and
 * libclang-cpp and in their static constructors: a quarter of compiling a small C file. Started
 * with WARMCC_ZYGOTE_FD set, this library takes over clang's main once all of that is done and
 * serves requests on the listening socket it was given: for each connection it forks, and the
 * child receives stdin/stdout/stderr, the working directory, argv and environment over the
 * connection, acknowledges it with one byte, then runs clang's real main. The child reports its
 * exit status through the connection from an on_exit handler; a child that dies by a signal reports nothing, and the
 * daemon then runs the compile the ordinary way. The server says it is ready by writing one byte
 * to WARMCC_ZYGOTE_READY, and exits when the daemon closes the pipe WARMCC_ZYGOTE_LIFELINE.
 *
 * Request: one sendmsg with SCM_RIGHTS [stdin, stdout, stderr] and the first bytes of
 *   u32 length, then NUL-terminated strings: cwd, argc (decimal), argv..., envc, env...
 * Reply: one byte once the request is taken, then the i32 exit status (native byte order, as is
 * the u32, and masked to 0..255 as a parent's wait would see it) once main returns or exit() is
 * called.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
                        void (*)(void), void *);

static main_fn real_main;
extern char **environ;

static int read_full(int fd, char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void report(int status, void *arg) {
    int fd = (int)(intptr_t)arg;
    int32_t s = status & 0xff;
    ssize_t ignored = write(fd, &s, sizeof s);
    (void)ignored;
}

/* Splits `n` NUL-terminated strings off `*p` (bounded by `end`) into a NULL-terminated array. */
static char **take_strings(char **p, char *end, long n) {
    if (n < 0 || n > 1000000) return NULL;
    char **out = calloc((size_t)n + 1, sizeof(char *));
    if (!out) return NULL;
    for (long i = 0; i < n; i++) {
        char *nul = memchr(*p, 0, (size_t)(end - *p));
        if (!nul) return NULL;
        out[i] = *p;
        *p = nul + 1;
    }
    return out;
}

static char *take_string(char **p, char *end) {
    char **one = take_strings(p, end, 1);
    return one ? one[0] : NULL;
}

/* The child: receives its request, becomes the compile, never returns. */
static void serve(int conn) {
    uint32_t len;
    int fds[3];
    union { /* aligned for struct cmsghdr, as a bare char array need not be */
        char buf[CMSG_SPACE(sizeof(int[3]))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {&len, sizeof len};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n;
    do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    while (n < 0 && errno == EINTR);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (n != sizeof len || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof fds) || len > (64u << 20))
        _exit(127);
    memcpy(fds, CMSG_DATA(c), sizeof fds);
    char *buf = malloc((size_t)len + 1);
    if (!buf || read_full(conn, buf, len) != 0) _exit(127);
    buf[len] = 0;
    char *p = buf, *end = buf + len;
    char *cwd = take_string(&p, end);
    char *argc_s = cwd ? take_string(&p, end) : NULL;
    char **argv = argc_s ? take_strings(&p, end, strtol(argc_s, NULL, 10)) : NULL;
    char *envc_s = argv ? take_string(&p, end) : NULL;
    char **envp = envc_s ? take_strings(&p, end, strtol(envc_s, NULL, 10)) : NULL;
    if (!envp || !argv[0] || chdir(cwd) != 0) _exit(127);
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i], i) < 0) _exit(127);
    for (int i = 0; i < 3; i++)
        if (fds[i] > 2) close(fds[i]);
    environ = envp;
    if (write(conn, "S", 1) != 1) _exit(127);
    on_exit(report, (void *)(intptr_t)conn);
    int argc = 0;
    while (argv[argc]) argc++;
    exit(real_main(argc, argv, envp));
}

static int zygote_main(int argc, char **argv, char **envp) {
    const char *lfd_s = getenv("WARMCC_ZYGOTE_FD");
    const char *life_s = getenv("WARMCC_ZYGOTE_LIFELINE");
    const char *ready_s = getenv("WARMCC_ZYGOTE_READY");
    if (!lfd_s || !life_s || !ready_s) return real_main(argc, argv, envp);
    int lfd = atoi(lfd_s), life = atoi(life_s), ready = atoi(ready_s);
    if (write(ready, "R", 1) != 1) _exit(1);
    close(ready);
    struct pollfd pfd[2] = {{lfd, POLLIN, 0}, {life, POLLIN, 0}};
    for (;;) {
        /* Reap here rather than through SIG_IGN: a reaped child's CPU time then counts as this
         * process's children's, where `time` and the daemon's accounting look for it. */
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (poll(pfd, 2, 100) < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        if (pfd[1].revents) _exit(0); /* the daemon closed the lifeline (or went away) */
        if (!(pfd[0].revents & POLLIN)) continue;
        int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) continue;
        pid_t pid = fork();
        if (pid == 0) {
            close(lfd);
            close(life);
            serve(conn);
        }
        close(conn);
    }
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
    start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = main;
    return real(zygote_main, argc, argv, init, fini, rtld_fini, stack_end);
}
