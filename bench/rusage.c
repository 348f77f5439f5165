/* rusage OUT CMD [ARG...]: runs CMD, waits for it, and writes
 * "<exit code> <user+sys microseconds> <peak RSS KiB>" to the file OUT.
 *
 * The figures are wait4()'s for CMD and every descendant it reaped, i.e. the
 * whole process tree (a shell pipeline's aws and jq included); peak RSS is
 * the largest single process of the tree. A launcher is needed because
 * Linux charges a process that execs with the high-water RSS of the memory
 * it replaced: a child forked (or vforked) from Python starts at Python's
 * ~15-20 MB. This one is small (and static when the libc allows), so its
 * floor is ~1 MB or less; bin/bench measures and reports that floor.
 * Exits with CMD's code (128+N for signal N), 127 if CMD cannot run. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: rusage OUT CMD [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("rusage: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("rusage: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("rusage: wait4");
        return 127;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL
                    + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror("rusage: OUT");
        return 127;
    }
    fprintf(out, "%d %lld %ld\n", code, cpu, ru.ru_maxrss);
    fclose(out);
    return code;
}
