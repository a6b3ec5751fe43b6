package dev.kiln.thread;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * A persistent team of daemon worker threads that run {@link Task parallel-for} loops with the calling
 * thread taking part. Dispatch allocates nothing: the task object is handed over through fields, and
 * workers spin briefly ({@link Thread#onSpinWait()}) before parking, so back-to-back kernels in a
 * training step do not pay a wake-up each.
 *
 * <p>Work is split into ranges that depend only on the work size and the number of parts
 * ({@link #split(int, int, int)}), never on timing, so a kernel that computes each output whole in one
 * range produces bitwise identical results for every run, whichever thread happens to take the range,
 * and for every number of parts: kernels split by {@link #parallelism()}, which {@link AdaptiveThreads}
 * lowers to 1 for the training steps it runs on the calling thread alone.
 * The first part of every dispatch runs on the calling thread, so a kernel's first range, and the data
 * it writes, stay on one core from step to step: with two threads (one worker), each part keeps its
 * core unless the worker is late. On a host whose cores exchange cache lines slowly this is what keeps
 * an optimizer's state, split the same way every step, in each core's own cache.
 *
 * <p>A team serves one calling thread at a time (a model and its training step); kernels keep their
 * reusable scratch in the team ({@link #local}), so steady-state dispatches allocate nothing and
 * models running concurrently on different teams never share mutable state.
 */
public final class ThreadTeam implements AutoCloseable {

    /** A loop body: runs task {@code index} of {@code count}. */
    @FunctionalInterface
    public interface Task {
        void run(int index, int count);
    }

    /**
     * How long an idle thread spins before parking: longer than the gap between the kernels of a
     * training step, short enough not to burn a shared core between steps. Measured in time, not
     * iterations, because {@link Thread#onSpinWait()} costs from a few to over a hundred cycles
     * depending on the processor.
     */
    private static final long SPIN_NANOS = 100_000;
    /** Spins between clock reads. */
    private static final int SPINS_PER_CLOCK_READ = 64;
    private static final AtomicInteger TEAM_IDS = new AtomicInteger();

    private final int size;
    private final Thread[] workers;
    private volatile boolean closed;
    // Set by AdaptiveThreads for the steps it runs on the calling thread alone; read by the caller only.
    private boolean serial;

    // Dispatch state, published seqlock-style: `sequence` is odd while the caller rewrites `task` and
    // `taskCount`, and every claim is tagged with the dispatch number in the high half of `cursor`, so
    // a worker that wakes late can never run an old task under a new dispatch's indices.
    private volatile long sequence;
    private volatile Task task;
    private volatile int taskCount;
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger unfinished = new AtomicInteger();
    private volatile Thread caller;
    private volatile Throwable failure;

    // Per-team state of kernel implementations, looked up by identity (a handful of entries).
    private Object[] localKeys = new Object[0];
    private Object[] localValues = new Object[0];

    /** A team of {@code threads} threads: the caller plus {@code threads - 1} workers. */
    public ThreadTeam(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.size = threads;
        this.workers = new Thread[threads - 1];
        int id = TEAM_IDS.incrementAndGet();
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workLoop, "kiln-team-" + id + "-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Threads in the team, the caller included: how many parts per-thread scratch must serve. */
    public int size() {
        return size;
    }

    /**
     * How many threads kernels split their work over now: {@link #size()}, or 1 while
     * {@link AdaptiveThreads} runs a step on the calling thread alone. Results are the same either way.
     */
    public int parallelism() {
        return serial ? 1 : size;
    }

    /** Runs every later dispatch on the calling thread alone ({@code true}) or across the team. */
    void serial(boolean serial) {
        this.serial = serial;
    }

    /**
     * The team's value for {@code key}, created by {@code factory} on first use and returned by every
     * later call: how kernels keep task objects and scratch buffers per team rather than in static
     * state. Lookups after the first allocate nothing.
     */
    public synchronized <T> T local(Object key, Function<? super ThreadTeam, ? extends T> factory) {
        for (int i = 0; i < localKeys.length; i++) {
            if (localKeys[i] == key) {
                @SuppressWarnings("unchecked")
                T value = (T) localValues[i];
                return value;
            }
        }
        T value = factory.apply(this);
        localKeys = Arrays.copyOf(localKeys, localKeys.length + 1);
        localValues = Arrays.copyOf(localValues, localValues.length + 1);
        localKeys[localKeys.length - 1] = key;
        localValues[localValues.length - 1] = value;
        return value;
    }

    /**
     * Runs {@code task.run(i, count)} for every {@code i} in {@code [0, count)} across the team and
     * returns when all have finished. Task 0 runs on the calling thread; the others are claimed
     * dynamically, so each must write disjoint outputs. An exception in a task is rethrown here after
     * the others finish.
     */
    public void run(int count, Task task) {
        if (count <= 0) {
            return;
        }
        if (count == 1 || workers.length == 0 || serial) {
            for (int i = 0; i < count; i++) {
                task.run(i, count);
            }
            return;
        }
        if (closed) {
            throw new IllegalStateException("the model was closed; its threads are stopped");
        }
        long seq = sequence + 1; // odd: rewriting
        sequence = seq;
        long dispatch = (seq + 1) >>> 1;
        this.task = task;
        this.taskCount = count;
        this.caller = Thread.currentThread();
        unfinished.set(count);
        // Part 0 is the caller's own, never claimed by a worker: a kernel's first part then runs on the
        // same core in every step, and so does the data it writes (with one worker, so does part 1).
        cursor.set(dispatch << 32 | 1);
        sequence = seq + 1; // even: published
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        runPart(task, 0, count);
        drain(dispatch, task, count);
        long spinStart = 0;
        int spins = 0;
        while (unfinished.get() > 0) {
            if (++spins % SPINS_PER_CLOCK_READ != 0) {
                Thread.onSpinWait();
            } else if (spinStart == 0) {
                spinStart = System.nanoTime();
            } else if (System.nanoTime() - spinStart > SPIN_NANOS) {
                LockSupport.parkNanos(this, 50_000L); // the last finishing worker unparks the caller
            }
        }
        Throwable thrown = failure;
        if (thrown != null) {
            failure = null;
            if (thrown instanceof RuntimeException e) {
                throw e;
            }
            if (thrown instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(thrown);
        }
    }

    private void drain(long dispatch, Task t, int count) {
        while (true) {
            long cur = cursor.get();
            int index = (int) cur;
            if ((cur >>> 32) != dispatch || index >= count) {
                return;
            }
            if (cursor.compareAndSet(cur, cur + 1)) {
                runPart(t, index, count);
            }
        }
    }

    /** Runs part {@code index} of a dispatch, recording its failure; the last part to finish wakes the caller. */
    private void runPart(Task t, int index, int count) {
        try {
            t.run(index, count);
        } catch (Throwable e) {
            if (failure == null) {
                failure = e;
            }
        } finally {
            if (unfinished.decrementAndGet() == 0) {
                Thread c = caller;
                if (c != Thread.currentThread()) {
                    LockSupport.unpark(c);
                }
            }
        }
    }

    private void workLoop() {
        long seen = 0;
        while (!closed) {
            long seq = sequence;
            if (seq == seen || (seq & 1) != 0) {
                long spinStart = 0;
                int spins = 0;
                while (((seq = sequence) == seen || (seq & 1) != 0) && !closed) {
                    if (++spins % SPINS_PER_CLOCK_READ != 0) {
                        Thread.onSpinWait();
                    } else if (spinStart == 0) {
                        spinStart = System.nanoTime();
                    } else if (System.nanoTime() - spinStart > SPIN_NANOS) {
                        LockSupport.park(this); // run() and close() unpark the workers
                    }
                }
                if (closed) {
                    return;
                }
            }
            Task t = task;
            int count = taskCount;
            if (sequence != seq) {
                continue; // rewritten while reading; look again
            }
            seen = seq;
            drain(seq >>> 1, t, count);
        }
    }

    /**
     * Start of part {@code index} when {@code total} items are split into {@code parts} contiguous
     * ranges whose sizes differ by at most {@code align}-sized blocks (ranges start at multiples of
     * {@code align}). Part {@code i} covers {@code [split(total, parts, i), split(total, parts, i + 1))}.
     */
    public static int split(int total, int parts, int index, int align) {
        int blocks = (total + align - 1) / align;
        long start = (long) blocks * index / parts * align;
        return (int) Math.min(total, start);
    }

    /** {@link #split(int, int, int, int)} with no alignment. */
    public static int split(int total, int parts, int index) {
        return split(total, parts, index, 1);
    }

    /** Stops the workers; idempotent. Later {@link #run} calls with more than one task fail. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        for (Thread w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
