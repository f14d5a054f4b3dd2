package dev.coproc

/** The queue stayed full for the whole timeout, or `putNowait` found it full. Python's `queue.Full`. */
public class QueueFullException internal constructor(capacity: Int) :
    CoprocException(if (capacity >= 0) "the queue is full (capacity $capacity)" else "the queue is full")

/** The queue stayed empty for the whole timeout, or `getNowait` found it empty. Python's `queue.Empty`. */
public class QueueEmptyException internal constructor() : CoprocException("the queue is empty")

/**
 * The queue was shut down ([Queue.shutdown]): no item can be put any more, and every item put before was
 * taken. Consumers end on it; a [Queue.asFlow] completes instead. Python 3.13's `queue.ShutDown`.
 */
public class QueueShutdownException internal constructor(drained: Boolean) :
    CoprocException(if (drained) "the queue is shut down and every item was taken" else "the queue is shut down: no more items can be put")

/**
 * The item's encoding is larger than the queue's buffer can ever hold ([Queue.maxItemBytes]): raised by the
 * put at once, with nothing put. Create the queue with a larger `bufferBytes`.
 */
public class QueueItemTooLargeException internal constructor(
    /** The item's encoded size in bytes. */
    public val encodedBytes: Int,
    /** The largest encoded item the queue takes. */
    public val maxItemBytes: Int,
) : CoprocException("an item encoded in $encodedBytes bytes cannot fit in the queue's buffer (at most $maxItemBytes); create the queue with a larger bufferBytes")
