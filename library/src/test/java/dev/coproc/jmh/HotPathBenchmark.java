package dev.coproc.jmh;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The run settings every hot-path benchmark shares, short enough for all of them to run in a few minutes;
 * {@code -Djmh.args} overrides them (JMH's -wi, -i, -f...).
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public abstract class HotPathBenchmark {}
