package dev.coproc.internal.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * Not API: the libc calls that jnr-posix does not offer: posix_spawn with {@code chdir} and {@code closefrom} file actions,
 * {@code pipe2(O_CLOEXEC)}, {@code poll}, Unix domain sockets with fd passing, and the raw {@code pidfd_open} syscall.
 * jnr-ffi generates its implementation in another class loader, which is why it must be public.
 */
@SaveError
public interface LibC {
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_CREAT = 0100;
    int O_TRUNC = 01000;
    int O_APPEND = 02000;
    int O_CLOEXEC = 02000000;
    int F_DUPFD_CLOEXEC = 1030;
    int F_SETPIPE_SZ = 1031;
    int F_GETPIPE_SZ = 1032;
    int O_NONBLOCK = 04000;
    int F_GETFL = 3;
    int F_SETFL = 4;
    short POLLIN = 1;
    short POLLOUT = 4;
    short POLLERR = 8;
    short POLLHUP = 16;
    int AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_NONBLOCK = 04000;
    int SOCK_CLOEXEC = 02000000;
    int SOL_SOCKET = 1;
    int SO_SNDBUF = 7;
    int SO_RCVBUF = 8;
    int SO_PEERCRED = 17;
    int SO_RCVTIMEO = 20;
    int SO_SNDTIMEO = 21;
    int SCM_RIGHTS = 1;
    int MSG_DONTWAIT = 0x40;
    int MSG_NOSIGNAL = 0x4000;
    int MSG_CMSG_CLOEXEC = 0x40000000;
    int MFD_CLOEXEC = 1;
    int MFD_ALLOW_SEALING = 2;
    int F_ADD_SEALS = 1033;
    int F_GET_SEALS = 1034;
    int F_SEAL_SEAL = 1;
    int F_SEAL_SHRINK = 2;
    int F_SEAL_GROW = 4;
    int F_SEAL_WRITE = 8;
    int FALLOC_FL_KEEP_SIZE = 1;
    int FALLOC_FL_PUNCH_HOLE = 2;
    int SHUT_RD = 0;
    int SHUT_WR = 1;
    int SHUT_RDWR = 2;
    short POSIX_SPAWN_SETPGROUP = 0x02;
    short POSIX_SPAWN_SETSIGDEF = 0x04;
    short POSIX_SPAWN_SETSIGMASK = 0x08;
    short POSIX_SPAWN_SETSID = 0x80;
    int EPERM = 1;
    int ENOENT = 2;
    int EINTR = 4;
    int ETIMEDOUT = 110;
    int EAGAIN = 11;
    int EPIPE = 32;
    int ECONNABORTED = 103;
    int ECONNRESET = 104;
    int ESRCH = 3;
    int EINVAL = 22;
    int ENOSYS = 38;
    int ENOMEM = 12;
    int ENFILE = 23;
    int EMFILE = 24;
    int ENOBUFS = 105;
    /** pidfd_open has the same number on every Linux architecture (the unified syscall table). */
    long SYS_PIDFD_OPEN = 434;
    /** glibc's opaque spawn structures are 80 and 336 bytes on x86_64 and aarch64; sigset_t is 128. */
    int SPAWN_STRUCT_BYTES = 512;
    int SIGSET_BYTES = 128;

    int posix_spawn_file_actions_init(Pointer actions);
    int posix_spawn_file_actions_destroy(Pointer actions);
    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);
    int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);
    int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);
    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);
    int posix_spawnattr_init(Pointer attributes);
    int posix_spawnattr_destroy(Pointer attributes);
    int posix_spawnattr_setflags(Pointer attributes, short flags);
    int posix_spawnattr_setpgroup(Pointer attributes, int processGroup);
    int posix_spawnattr_setsigmask(Pointer attributes, Pointer mask);
    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signals);
    int sigemptyset(Pointer set);
    int sigfillset(Pointer set);
    int posix_spawn(IntByReference pid, String path, Pointer actions, Pointer attributes, Pointer argv, Pointer envp);
    int posix_spawnp(IntByReference pid, String file, Pointer actions, Pointer attributes, Pointer argv, Pointer envp);

    int pipe2(@Out int[] fds, int flags);
    int fcntl(int fd, int command, int argument);
    int close(int fd);
    long read(int fd, Pointer buffer, long count);
    long write(int fd, Pointer buffer, long count);
    int poll(Pointer fds, long count, int timeoutMillis);
    int socketpair(int domain, int type, int protocol, @Out int[] fds);
    int socket(int domain, int type, int protocol);
    int bind(int fd, Pointer address, int length);
    int listen(int fd, int backlog);
    int accept4(int fd, Pointer address, Pointer length, int flags);
    int connect(int fd, Pointer address, int length);
    long send(int fd, Pointer buffer, long count, int flags);
    long recv(int fd, Pointer buffer, long count, int flags);
    long sendmsg(int fd, Pointer message, int flags);
    long recvmsg(int fd, Pointer message, int flags);
    int shutdown(int fd, int how);
    int getsockopt(int fd, int level, int name, Pointer value, IntByReference length);
    int getsockname(int fd, Pointer address, IntByReference length);
    int setsockopt(int fd, int level, int name, Pointer value, int length);
    int getuid();
    int memfd_create(String name, int flags);
    int ftruncate(int fd, long length);
    int fchmod(int fd, int mode);
    int fallocate(int fd, int mode, long offset, long length);
    long syscall(long number, long first, long second, long third);
    int waitid(int idType, int id, Pointer info, int options);
    int open(String path, int flags, int mode);
    int epoll_create1(int flags);
    int epoll_ctl(int epfd, int operation, int fd, Pointer event);
    int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);

    int EPOLL_CTL_ADD = 1;
    int EPOLL_CTL_DEL = 2;
    int EPOLL_CTL_MOD = 3;
    int EPOLLERR = 8;
    int EPOLLHUP = 16;
    int EPOLLONESHOT = 1 << 30;
    int EEXIST = 17;
    int flock(int fd, int operation);
    long pread(int fd, @Out byte[] buffer, long count, long offset);
    long pwrite(int fd, byte[] buffer, long count, long offset);

    int O_RDWR = 2;
    int LOCK_EX = 2;
    int LOCK_NB = 4;
    int EWOULDBLOCK = 11;

    int P_PID = 1;
    int WNOHANG = 1;
    int WSTOPPED = 2;
    int WCONTINUED = 8;
    int CLD_STOPPED = 5;
    int CLD_CONTINUED = 6;

    /** Holds the one loaded instance; not API. */
    final class Holder {
        static final LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(INSTANCE);

        private Holder() {}
    }

    /** The loaded libc binding. */
    static LibC get() {
        return Holder.INSTANCE;
    }

    /** The jnr runtime of the binding. */
    static Runtime runtime() {
        return Holder.RUNTIME;
    }

    /** errno of this thread's last call through the binding. */
    static int errno() {
        return jnr.ffi.LastError.getLastError(Holder.RUNTIME);
    }
}
