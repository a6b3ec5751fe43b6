package dev.kiln.thread;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Times a model's training steps run across its {@link ThreadTeam} against steps run on the calling
 * thread alone, and runs them the faster way. Results do not depend on the choice: the kernels give
 * every output the same bits however their work is split, so only the speed changes.
 *
 * <p>Why measure: whether a step gains from more threads depends on the model, the batch size and the
 * machine, and on cloud machines whose cores exchange cache lines slowly a small step can lose. On the
 * 2-core Zen 5 guest Kiln is benchmarked on, a 100-200-200-2 sigmoid MLP at batch 64 took 247-260 µs a
 * step on 2 threads and 176-216 µs on 1, while the Fashion-MNIST MLP at batch 128 took 650 µs on 2 and
 * 773 µs on 1. A fixed size threshold per product made some models faster and others slower (a
 * 100×4-layer MLP at batch 128: 250 → 190 µs; 64-64-10 at batch 1024: 400 → 455 µs).
 *
 * <p>How: each batch size (the last {@link #BATCH_SIZES} seen) starts with {@link #WARM_UP_STEPS} steps
 * across the team, untimed while the JIT compiles. Then a trial: {@link #TRIAL_BLOCKS} blocks each way,
 * in the order team, alone, alone, team, team, alone... so that a steady drift in the machine's speed
 * favours neither; a block is one untimed step, which pays for waking a parked worker or for moving
 * data to the caller's core once per block rather than in every timed step, then {@link #BLOCK_STEPS}
 * timed steps. The way with the smaller median block runs from then on; the team keeps it unless working
 * alone is more than {@link #TIE_MARGIN} faster. A new trial comes {@link #RETRIAL_STEPS} steps later,
 * and after each trial that confirms the choice twice as many steps later (up to
 * {@link #MAX_RETRIAL_STEPS}), so a machine whose load changes is measured again without paying for
 * trials often. Outside trials a step costs a few field updates; allocation is zero.
 *
 * <p>A team serves one calling thread at a time, and so does this.
 */
public final class AdaptiveThreads {
    /** Batch sizes whose choice is kept at once (a loop's last, smaller batch need not reset the others). */
    static final int BATCH_SIZES = 4;
    /** Steps at a new batch size before its first trial. */
    static final int WARM_UP_STEPS = 100;
    /** Steps in a timed block. */
    static final int BLOCK_STEPS = 8;
    /** Blocks each way in a trial. */
    static final int TRIAL_BLOCKS = 4;
    /** Steps in a trial: every block's timed steps and its untimed first step. */
    static final int TRIAL_STEPS = 2 * TRIAL_BLOCKS * (BLOCK_STEPS + 1);
    /** How much faster, as a fraction of the team's median block, working alone has to be to be chosen. */
    static final double TIE_MARGIN = 0.05;
    /** Steps from a trial to the next one, after a trial that changed the choice or was the first. */
    static final long RETRIAL_STEPS = 1024;
    /** The longest gap between trials. */
    static final long MAX_RETRIAL_STEPS = 1L << 16;

    private final ThreadTeam team;
    private final boolean enabled;
    private final LongSupplier clock;
    private final Choice[] choices = new Choice[BATCH_SIZES];
    private long uses;
    /** The step under way, between {@link #beginStep} and {@link #endStep}; null outside steps. */
    private Choice current;

    /**
     * Chooses for the steps of a model running on {@code team}; {@code enabled == false}, or a team of one
     * thread, leaves every step to the team.
     */
    public AdaptiveThreads(ThreadTeam team, boolean enabled) {
        this(team, enabled, System::nanoTime);
    }

    /** With another clock, in nanoseconds, for tests. */
    AdaptiveThreads(ThreadTeam team, boolean enabled, LongSupplier clock) {
        this.team = team;
        this.enabled = enabled && team.size() > 1;
        this.clock = clock;
        for (int i = 0; i < choices.length; i++) {
            choices[i] = new Choice();
        }
    }

    /**
     * Sets the team up for a training step on {@code n} rows; returns what {@link #endStep} takes. The
     * kernels' calls until then run across the team or on the calling thread alone.
     */
    public long beginStep(int n) {
        if (!enabled) {
            return 0;
        }
        Choice choice = choiceFor(n);
        current = choice;
        team.serial(choice.alone());
        return choice.timing() ? clock.getAsLong() : 0;
    }

    /** Ends the step {@link #beginStep} began, which returned {@code started}; later calls use the team. */
    public void endStep(long started) {
        Choice choice = current;
        if (choice == null) {
            return;
        }
        current = null;
        team.serial(false);
        choice.record(choice.timing() ? clock.getAsLong() - started : 0);
    }

    /** Whether steps on {@code n} rows now run on the calling thread alone (for tests and reports). */
    boolean alone(int n) {
        for (Choice choice : choices) {
            if (choice.batch == n) {
                return choice.alone();
            }
        }
        return false;
    }

    /** The choice kept for batch size {@code n}, taking over the least recently used one if it is new. */
    private Choice choiceFor(int n) {
        Choice oldest = choices[0];
        for (Choice choice : choices) {
            if (choice.batch == n) {
                choice.lastUse = ++uses;
                return choice;
            }
            if (choice.lastUse < oldest.lastUse) {
                oldest = choice;
            }
        }
        oldest.reset(n);
        oldest.lastUse = ++uses;
        return oldest;
    }

    /** What is known of the steps at one batch size. */
    private static final class Choice {
        private static final int WARMING = 0, TRIAL = 1, SETTLED = 2;

        int batch = -1;
        long lastUse;
        private int phase;
        private long steps;
        private boolean alone;
        private boolean decided;
        private long nextTrial;
        private long retrialGap;
        // The trial under way: finished blocks' nanoseconds in order, the current block's sum and steps
        // (the untimed first step included).
        private final long[] blocks = new long[2 * TRIAL_BLOCKS];
        private int block;
        private int blockStep;
        private long blockNanos;
        private final long[] sorted = new long[TRIAL_BLOCKS];

        void reset(int n) {
            batch = n;
            phase = WARMING;
            steps = 0;
            alone = false;
            decided = false;
            retrialGap = RETRIAL_STEPS;
        }

        boolean timing() {
            return phase == TRIAL;
        }

        boolean alone() {
            return phase == TRIAL ? blockAlone(block) : alone;
        }

        void record(long nanos) {
            steps++;
            switch (phase) {
                case WARMING -> {
                    if (steps >= WARM_UP_STEPS) {
                        startTrial();
                    }
                }
                case TRIAL -> {
                    if (blockStep > 0) {
                        blockNanos += nanos;
                    }
                    if (++blockStep == BLOCK_STEPS + 1) {
                        blocks[block++] = blockNanos;
                        blockNanos = 0;
                        blockStep = 0;
                        if (block == blocks.length) {
                            decide();
                        }
                    }
                }
                default -> {
                    if (steps >= nextTrial) {
                        startTrial();
                    }
                }
            }
        }

        private void startTrial() {
            phase = TRIAL;
            block = 0;
            blockStep = 0;
            blockNanos = 0;
        }

        private void decide() {
            boolean wasAlone = alone;
            alone = median(true) < (1 - TIE_MARGIN) * median(false);
            retrialGap = decided && alone == wasAlone ? Math.min(MAX_RETRIAL_STEPS, 2 * retrialGap) : RETRIAL_STEPS;
            decided = true;
            nextTrial = steps + retrialGap;
            phase = SETTLED;
        }

        /** The median of the trial's blocks run alone or across the team. */
        private long median(boolean alone) {
            int count = 0;
            for (int b = 0; b < blocks.length; b++) {
                if (blockAlone(b) == alone) {
                    sorted[count++] = blocks[b];
                }
            }
            Arrays.sort(sorted, 0, count);
            return (sorted[(count - 1) / 2] + sorted[count / 2]) / 2;
        }

        /** Blocks in the order team, alone, alone, team, team, alone, alone, team. */
        private static boolean blockAlone(int block) {
            return ((block + 1) >> 1) % 2 == 1;
        }
    }
}
