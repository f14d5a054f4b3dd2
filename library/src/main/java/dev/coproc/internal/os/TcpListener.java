package dev.coproc.internal.os;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * A listening TCP socket, non-blocking and close-on-exec, whose connections are {@link UnixSocket}s (the
 * calls are the same on any stream socket) with Nagle's delay off: a manager's small calls and answers must
 * not wait for a previous segment's acknowledgement. {@link #connect} is the client's side.
 *
 * <p>TCP carries no owner check of its own: whoever connects must prove it knows the peer's secret key.
 */
public final class TcpListener implements StreamListener {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int SO_REUSEADDR = 2;

    private final int fd;
    private final InetSocketAddress address;
    private boolean closed;

    private TcpListener(int fd, InetSocketAddress address) {
        this.fd = fd;
        this.address = address;
    }

    /** Listens on {@code host}:{@code port}; port 0 takes a free one ({@link #address} tells which). */
    public static TcpListener bind(String host, int port) throws OsException {
        InetAddress ip = resolve(host);
        int fd = LibC.get().socket(family(ip), LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK, 0);
        if (fd < 0) throw OsException.lastError("socket");
        setOption(fd, LibC.SOL_SOCKET, SO_REUSEADDR);
        Pointer socketAddress = socketAddress(ip, port);
        if (LibC.get().bind(fd, socketAddress, (int) socketAddress.size()) != 0 || LibC.get().listen(fd, 128) != 0) {
            OsException failure = new OsException("bind/listen(" + host + ":" + port + ")", LibC.errno());
            LibC.get().close(fd);
            throw failure;
        }
        Pointer bound = Memory.allocateDirect(LibC.runtime(), 28, true);
        IntByReference length = new IntByReference(28);
        if (LibC.get().getsockname(fd, bound, length) != 0) {
            OsException failure = OsException.lastError("getsockname");
            LibC.get().close(fd);
            throw failure;
        }
        int boundPort = ((bound.getByte(2) & 0xff) << 8) | (bound.getByte(3) & 0xff);
        return new TcpListener(fd, new InetSocketAddress(ip, boundPort));
    }

    /** Where it listens (with the port chosen, when bound to port 0). */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public int number() {
        return fd;
    }

    @Override
    public UnixSocket accept() throws OsException {
        while (true) {
            int client = LibC.get().accept4(fd, null, null, LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK);
            if (client >= 0) {
                setOption(client, IPPROTO_TCP, TCP_NODELAY);
                return new UnixSocket(client);
            }
            int errno = LibC.errno();
            if (errno == LibC.EINTR || errno == LibC.ECONNABORTED) continue;
            if (errno == LibC.EAGAIN) return null;
            throw new OsException("accept4(" + address + ")", errno);
        }
    }

    /**
     * Connects to {@code host}:{@code port} (a blocking connect: a TCP handshake, once per client and manager).
     *
     * @throws OsException when nobody listens there (ECONNREFUSED) or the host cannot be reached
     */
    public static UnixSocket connect(String host, int port) throws OsException {
        InetAddress ip = resolve(host);
        int fd = LibC.get().socket(family(ip), LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) throw OsException.lastError("socket");
        Pointer socketAddress = socketAddress(ip, port);
        if (LibC.get().connect(fd, socketAddress, (int) socketAddress.size()) != 0) {
            int errno = LibC.errno();
            LibC.get().close(fd);
            throw new OsException("connect(" + host + ":" + port + ")", errno);
        }
        setOption(fd, IPPROTO_TCP, TCP_NODELAY);
        return UnixSocket.adopt(fd);
    }

    private static InetAddress resolve(String host) throws OsException {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new OsException(LibC.ENOENT, "unknown host " + host);
        }
    }

    private static int family(InetAddress ip) {
        return ip instanceof Inet6Address ? AF_INET6 : AF_INET;
    }

    /** A {@code sockaddr_in} or {@code sockaddr_in6}: family, port (network order), address. */
    private static Pointer socketAddress(InetAddress ip, int port) {
        byte[] bytes = ip.getAddress();
        boolean v4 = ip instanceof Inet4Address;
        Pointer address = Memory.allocateDirect(LibC.runtime(), v4 ? 16 : 28, true);
        address.putShort(0, (short) (v4 ? AF_INET : AF_INET6));
        address.putByte(2, (byte) (port >>> 8));
        address.putByte(3, (byte) port);
        address.put(v4 ? 4 : 8, bytes, 0, bytes.length);
        return address;
    }

    private static void setOption(int fd, int level, int option) {
        Pointer one = Memory.allocateDirect(LibC.runtime(), 4, true);
        one.putInt(0, 1);
        LibC.get().setsockopt(fd, level, option, one, 4);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        LibC.get().close(fd);
    }
}
