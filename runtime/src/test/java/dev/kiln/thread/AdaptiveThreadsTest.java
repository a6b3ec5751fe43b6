package dev.kiln.thread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AdaptiveThreadsTest {

    /**
     * Steps whose duration depends on the way they run, on a clock that only steps advance: each step
     * dispatches a two-part task and reads the time it took from the costs given.
     */
    private static final class Steps {
        final ThreadTeam team;
        final AdaptiveThreads adaptive;
        long now;
        long teamNanos = 100, aloneNanos = 100;
        int aloneSteps, teamSteps;

        Steps(ThreadTeam team, boolean enabled) {
            this.team = team;
            this.adaptive = new AdaptiveThreads(team, enabled, () -> now);
        }

        /** Runs {@code count} steps on {@code n} rows. */
        void run(int count, int n) {
            for (int i = 0; i < count; i++) {
                long started = adaptive.beginStep(n);
                AtomicInteger callerParts = new AtomicInteger();
                Thread caller = Thread.currentThread();
                int parts = team.parallelism();
                team.run(parts, (part, total) -> {
                    if (Thread.currentThread() == caller) {
                        callerParts.incrementAndGet();
                    }
                });
                boolean alone = parts == 1;
                if (alone) {
                    aloneSteps++;
                    assertEquals(1, callerParts.get());
                } else {
                    teamSteps++;
                }
                now += alone ? aloneNanos : teamNanos;
                adaptive.endStep(started);
                assertEquals(team.size(), team.parallelism(), "after a step the team works whole again");
            }
        }
    }

    private static final int TRIAL_STEPS = AdaptiveThreads.TRIAL_STEPS;

    @Test
    void stepsRunAloneOnlyWhenThatIsClearlyFaster() {
        try (ThreadTeam team = new ThreadTeam(2)) {
            Steps steps = new Steps(team, true);
            steps.aloneNanos = 70;
            steps.run(AdaptiveThreads.WARM_UP_STEPS, 32);
            assertEquals(0, steps.aloneSteps, "warm-up steps use the team");
            steps.run(TRIAL_STEPS, 32);
            assertEquals(TRIAL_STEPS / 2, steps.aloneSteps, "a trial runs half its steps each way");
            assertTrue(steps.adaptive.alone(32));
            steps.run(500, 32);
            assertEquals(TRIAL_STEPS / 2 + 500, steps.aloneSteps);

            Steps tie = new Steps(team, true);
            tie.aloneNanos = 96; // faster, but within the margin: the team keeps the steps
            tie.run(AdaptiveThreads.WARM_UP_STEPS + TRIAL_STEPS, 32);
            assertFalse(tie.adaptive.alone(32));
        }
    }

    @Test
    void trialsComeBackAndFollowAChangeOfSpeed() {
        try (ThreadTeam team = new ThreadTeam(2)) {
            Steps steps = new Steps(team, true);
            steps.aloneNanos = 50;
            steps.run(AdaptiveThreads.WARM_UP_STEPS + TRIAL_STEPS, 8);
            assertTrue(steps.adaptive.alone(8));
            steps.aloneNanos = 300; // the machine changed: the team is faster now
            steps.run((int) AdaptiveThreads.RETRIAL_STEPS - 1, 8);
            assertTrue(steps.adaptive.alone(8), "no trial before its time");
            steps.run(1 + TRIAL_STEPS, 8);
            assertFalse(steps.adaptive.alone(8));
            int teamSteps = steps.teamSteps;
            steps.run((int) AdaptiveThreads.RETRIAL_STEPS, 8);
            assertEquals(teamSteps + AdaptiveThreads.RETRIAL_STEPS, steps.teamSteps, "after a change, the next trial "
                    + "comes " + AdaptiveThreads.RETRIAL_STEPS + " steps later");
            steps.run(TRIAL_STEPS, 8);
            int aloneSteps = steps.aloneSteps;
            steps.run(2 * (int) AdaptiveThreads.RETRIAL_STEPS, 8);
            assertEquals(aloneSteps, steps.aloneSteps, "a confirmed choice is tried again twice as late");
            steps.run(TRIAL_STEPS, 8);
            assertEquals(aloneSteps + TRIAL_STEPS / 2, steps.aloneSteps);
        }
    }

    @Test
    void eachBatchSizeHasItsOwnChoice() {
        try (ThreadTeam team = new ThreadTeam(2)) {
            Steps steps = new Steps(team, true);
            steps.aloneNanos = 50;
            steps.run(AdaptiveThreads.WARM_UP_STEPS + TRIAL_STEPS, 16);
            assertTrue(steps.adaptive.alone(16));
            // A few other batch sizes, as a data loader's last batches: the first choice is kept.
            for (int n = 1; n < AdaptiveThreads.BATCH_SIZES; n++) {
                steps.run(3, n);
                assertFalse(steps.adaptive.alone(n), "a new batch size starts on the team");
            }
            assertTrue(steps.adaptive.alone(16));
            steps.run(1, 16);
            steps.run(1, 99); // a fifth size takes the place of the least recently used
            assertFalse(steps.adaptive.alone(1));
            assertTrue(steps.adaptive.alone(16));
        }
    }

    @Test
    void disabledOrOnOneThreadEveryStepUsesTheWholeTeam() {
        try (ThreadTeam two = new ThreadTeam(2); ThreadTeam one = new ThreadTeam(1)) {
            for (Steps steps : new Steps[] {new Steps(two, false), new Steps(one, true)}) {
                steps.aloneNanos = 1;
                steps.run(AdaptiveThreads.WARM_UP_STEPS + 2 * TRIAL_STEPS, 4);
                assertEquals(steps.team.size() == 1 ? AdaptiveThreads.WARM_UP_STEPS + 2 * TRIAL_STEPS : 0,
                        steps.aloneSteps);
                assertFalse(steps.adaptive.alone(4));
            }
        }
    }

    @Test
    void choosingAllocatesNothing() {
        try (ThreadTeam team = new ThreadTeam(2)) {
            AdaptiveThreads adaptive = new AdaptiveThreads(team, true);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long allocated = Long.MAX_VALUE;
            // Trials, settled stretches and five batch sizes (one more than are kept) in every round; the
            // first rounds let the JIT compile.
            for (int round = 0; round < 12 && allocated > 0; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int step = 0; step < 150_000; step++) {
                    int n = step % 1000 == 0 ? 1 + step / 1000 % 5 : 64;
                    adaptive.endStep(adaptive.beginStep(n));
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated);
        }
    }

    @Test
    void aSerialTeamRunsEveryPartOnTheCaller() {
        try (ThreadTeam team = new ThreadTeam(3)) {
            team.serial(true);
            assertEquals(1, team.parallelism());
            assertEquals(3, team.size());
            Thread caller = Thread.currentThread();
            AtomicInteger elsewhere = new AtomicInteger();
            for (int dispatch = 0; dispatch < 100; dispatch++) {
                team.run(3, (part, parts) -> {
                    if (Thread.currentThread() != caller) {
                        elsewhere.incrementAndGet();
                    }
                });
            }
            assertEquals(0, elsewhere.get());
            team.serial(false);
            assertEquals(3, team.parallelism());
        }
    }
}
