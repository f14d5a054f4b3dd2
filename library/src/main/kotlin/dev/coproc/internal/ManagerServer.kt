package dev.coproc.internal

import dev.coproc.codec.EncodedOperation
import dev.coproc.codec.TaskTypeException
import dev.coproc.codec.WireCodec
import dev.coproc.os.FdPoller
import dev.coproc.os.UnixListener
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.serialization.builtins.serializer
import org.slf4j.LoggerFactory

/**
 * The manager process's side: the shared objects, and a server answering authenticated clients' calls on them.
 * Values are kept encoded: the manager compares and stores bytes and never needs the clients' types, so no
 * class is ever decoded from a client's data.
 */
internal class ManagerServer(private val key: ByteArray, private val maxFrame: Int) {
    private val objects = ConcurrentHashMap<Long, Any>()
    private val nextId = AtomicLong(1)
    private val log = LoggerFactory.getLogger(ManagerServer::class.java)

    /** Accepts and serves clients until cancelled; each client's failure ends only that client. */
    suspend fun serve(listener: UnixListener) = coroutineScope {
        while (true) {
            val socket = listener.accept()
            if (socket == null) {
                awaitFd(listener.number(), FdPoller.READABLE)
                continue
            }
            launch {
                // A client's next call often follows its answer at once: look for it briefly before sleeping.
                val connection = FramedSocket(socket, spinNanos = NEXT_CALL_SPIN_NANOS)
                try {
                    serveClient(connection)
                } catch (e: FramedSocket.Ended) {
                    // The client went away.
                } catch (e: FramedSocket.TooLong) {
                    log.warn("manager: a client sent a frame of {} bytes (at most {}); disconnected", e.length, e.maxLength)
                } catch (e: FramedSocket.Corrupted) {
                    log.warn("manager: a client broke the framing; disconnected")
                } catch (e: FramedSocket.Broken) {
                    // The client closed while we answered.
                } finally {
                    connection.close()
                }
            }
        }
    }

    private suspend fun serveClient(connection: FramedSocket) {
        if (!authenticate(connection)) return
        while (true) {
            val frame = connection.receive(maxFrame)
            val call = try {
                ManagerCall.decode(frame)
            } catch (e: ManagerProtocolException) {
                log.warn("manager: a client sent a frame that is not a call; disconnected")
                send(connection, ManagerAnswer(errorType = "Protocol", errorMessage = "not a manager call: ${e.message}"))
                return
            }
            send(connection, answer(call))
        }
    }

    private suspend fun authenticate(connection: FramedSocket): Boolean {
        val challenge = ManagerHandshake.nonce()
        connection.send(challenge, 0, challenge.size)
        val reply = connection.receive(ManagerHandshake.MAX_FRAME)
        val n = ManagerHandshake.NONCE_BYTES
        if (reply.size != 2 * n || !ManagerHandshake.verify(ManagerHandshake.proof(key, "client", challenge), reply.copyOfRange(0, n))) {
            log.warn("manager: a client failed authentication; disconnected")
            connection.send(ManagerHandshake.DENIED, 0, ManagerHandshake.DENIED.size)
            return false
        }
        val proof = ManagerHandshake.proof(key, "server", reply.copyOfRange(n, 2 * n))
        connection.send(proof, 0, proof.size)
        return true
    }

    private suspend fun send(connection: FramedSocket, answer: ManagerAnswer) {
        val bytes = answer.encode()
        connection.send(bytes, 0, bytes.size)
    }

    /** Runs one call; whatever it raises is the caller's answer, and leaves the object as it was. */
    fun answer(call: ManagerCall): ManagerAnswer = try {
        ManagerAnswer(values = dispatch(call))
    } catch (e: IndexOutOfBoundsException) {
        ManagerAnswer(errorType = "IndexOutOfBounds", errorMessage = e.message)
    } catch (e: kotlinx.serialization.SerializationException) {
        ManagerAnswer(errorType = "Decoding", errorMessage = e.message)
    } catch (e: IllegalArgumentException) {
        ManagerAnswer(errorType = "IllegalArgument", errorMessage = e.message)
    } catch (e: TaskTypeException) {
        ManagerAnswer(errorType = "UndeclaredOperation", errorMessage = e.message)
    } catch (e: RuntimeException) {
        // The user's operation threw: the entry is unchanged (the map is written only after it returns).
        ManagerAnswer(errorType = e.javaClass.name, errorMessage = e.message)
    }

    private fun dispatch(call: ManagerCall): List<ByteArray> {
        if (call.objectId == 0L) {
            val id = nextId.getAndIncrement()
            objects[id] = when (call.method) {
                "dict" -> ManagedDict().also { it.call("putAll", call.args) }
                "list" -> ManagedList().also { it.call("extend", call.args) }
                else -> throw IllegalArgumentException("the manager has no method ${call.method}")
            }
            return listOf(encode(id))
        }
        return when (val target = objects[call.objectId]) {
            is ManagedDict -> target.call(call.method, call.args)
            is ManagedList -> target.call(call.method, call.args)
            else -> throw IllegalArgumentException("no shared object ${call.objectId} in this manager")
        }
    }

    internal companion object {
        const val NEXT_CALL_SPIN_NANOS = 50_000L

        fun encode(value: Long): ByteArray = WireCodec.encode(Long.serializer(), value)
        fun encode(value: Int): ByteArray = WireCodec.encode(Int.serializer(), value)
        fun encode(value: Boolean): ByteArray = WireCodec.encode(Boolean.serializer(), value)
        fun decodeLong(bytes: ByteArray): Long = WireCodec.decode(Long.serializer(), bytes)
        fun decodeInt(bytes: ByteArray): Int = WireCodec.decode(Int.serializer(), bytes)
        fun decodeBoolean(bytes: ByteArray): Boolean = WireCodec.decode(Boolean.serializer(), bytes)
    }
}

/** An encoded key: equal when the bytes are. */
private class Key(val bytes: ByteArray) {
    override fun equals(other: Any?) = other is Key && bytes.contentEquals(other.bytes)
    override fun hashCode() = bytes.contentHashCode()
}

/** A dict in the manager: keys and values as their clients encoded them; every call is atomic. */
private class ManagedDict {
    private val map = LinkedHashMap<Key, ByteArray>()

    @Synchronized
    fun call(method: String, args: List<ByteArray>): List<ByteArray> = when (method) {
        "get" -> listOfNotNull(map[Key(args[0])])
        "set" -> emptyList<ByteArray>().also { map[Key(args[0])] = args[1] }
        "remove" -> listOfNotNull(map.remove(Key(args[0])))
        "containsKey" -> listOf(ManagerServer.encode(Key(args[0]) in map))
        "size" -> listOf(ManagerServer.encode(map.size))
        "keys" -> map.keys.map { it.bytes }
        "values" -> map.values.toList()
        "items" -> map.flatMap { (key, value) -> listOf(key.bytes, value) }
        "putAll" -> emptyList<ByteArray>().also { args.chunked(2).forEach { (key, value) -> map[Key(key)] = value } }
        "getOrPut" -> listOf(map.getOrPut(Key(args[0])) { args[1] })
        "compareAndSet" -> {
            // args: key, whether an expected value follows, [expected,] new value
            val key = Key(args[0])
            val expectsValue = ManagerServer.decodeBoolean(args[1])
            val current = map[key]
            val matches = if (expectsValue) current != null && current.contentEquals(args[2]) else current == null
            if (matches) map[key] = args.last()
            listOf(ManagerServer.encode(matches))
        }
        "update" -> {
            // args: key, operation type name, operation bytes; the operation runs holding this dict.
            val key = Key(args[0])
            val next = EncodedOperation.apply(args[1].decodeToString(), args[2], map[key])
            if (next == null) map.remove(key) else map[key] = next
            listOfNotNull(next)
        }
        "clear" -> emptyList<ByteArray>().also { map.clear() }
        else -> throw IllegalArgumentException("a dict has no method $method")
    }
}

/** A list in the manager, of values as their clients encoded them; every call is atomic. */
private class ManagedList {
    private val list = ArrayList<ByteArray>()

    @Synchronized
    fun call(method: String, args: List<ByteArray>): List<ByteArray> = when (method) {
        "append", "extend" -> emptyList<ByteArray>().also { list.addAll(args) }
        "get" -> listOf(list[ManagerServer.decodeInt(args[0])])
        "set" -> listOf(list.set(ManagerServer.decodeInt(args[0]), args[1]))
        "removeAt" -> listOf(list.removeAt(ManagerServer.decodeInt(args[0])))
        "size" -> listOf(ManagerServer.encode(list.size))
        "snapshot" -> list.toList()
        "clear" -> emptyList<ByteArray>().also { list.clear() }
        else -> throw IllegalArgumentException("a list has no method $method")
    }
}
