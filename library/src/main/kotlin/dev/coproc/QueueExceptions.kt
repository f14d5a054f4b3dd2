package dev.coproc

/** The queue stayed full for the whole timeout, or `putNowait` found it full. Python's `queue.Full`. */
public class QueueFullException internal constructor(capacity: Long) :
    CoprocException(if (capacity >= 0) "the queue is full (capacity $capacity)" else "the queue is full")

/** The queue stayed empty for the whole timeout, or `getNowait` found it empty. Python's `queue.Empty`. */
public class QueueEmptyException internal constructor() : CoprocException("the queue is empty")

/**
 * The queue was closed: no item can be put any more, and every item put before was taken. Consumers end on
 * it; a [Queue.asFlow] completes instead.
 */
public class QueueClosedException internal constructor(drained: Boolean) :
    CoprocException(if (drained) "the queue is closed and every item was taken" else "the queue is closed: no more items can be put")
