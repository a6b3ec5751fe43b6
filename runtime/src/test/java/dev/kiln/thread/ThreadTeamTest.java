package dev.kiln.thread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ThreadTeamTest {

    @Test
    void runsEveryIndexExactlyOnce() {
        for (int threads = 1; threads <= 3; threads++) {
            try (ThreadTeam team = new ThreadTeam(threads)) {
                for (int count = 0; count <= 40; count++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(count, 1));
                    int expectedCount = count;
                    team.run(count, (index, total) -> {
                        assertEquals(expectedCount, total);
                        runs.incrementAndGet(index);
                    });
                    for (int i = 0; i < count; i++) {
                        assertEquals(1, runs.get(i), "index " + i + " of " + count + ", " + threads + " threads");
                    }
                }
            }
        }
    }

    @Test
    void workersShareTheWork() throws Exception {
        try (ThreadTeam team = new ThreadTeam(2)) {
            Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int attempt = 0; attempt < 200 && seen.size() < 2; attempt++) {
                team.run(2, (index, count) -> {
                    seen.add(Thread.currentThread());
                    sleepQuietly(2);
                });
            }
            assertEquals(2, seen.size(), "a second thread took part");
        }
    }

    @Test
    void theCallerRunsTheFirstPartOfEveryDispatch() {
        for (int threads = 2; threads <= 3; threads++) {
            try (ThreadTeam team = new ThreadTeam(threads)) {
                Thread caller = Thread.currentThread();
                for (int dispatch = 0; dispatch < 500; dispatch++) {
                    // Between dispatches the workers spin, ready to claim the moment a task is published.
                    for (long until = System.nanoTime() + 20_000; System.nanoTime() < until; ) {
                        Thread.onSpinWait();
                    }
                    Thread[] firstPart = new Thread[1];
                    team.run(threads, (index, count) -> {
                        if (index == 0) {
                            firstPart[0] = Thread.currentThread();
                        }
                    });
                    assertSame(caller, firstPart[0], "dispatch " + dispatch + ", " + threads + " threads");
                }
            }
        }
    }

    @Test
    void taskExceptionsPropagateAndTheTeamStaysUsable() {
        try (ThreadTeam team = new ThreadTeam(3)) {
            IllegalArgumentException thrown = new IllegalArgumentException("boom");
            for (int failing = 0; failing < 8; failing++) {
                int bad = failing;
                AtomicInteger finished = new AtomicInteger();
                IllegalArgumentException caught = assertThrows(IllegalArgumentException.class,
                        () -> team.run(8, (index, count) -> {
                            if (index == bad) {
                                throw thrown;
                            }
                            finished.incrementAndGet();
                        }));
                assertSame(thrown, caught);
                assertEquals(7, finished.get(), "the other tasks still ran");
            }
            AssertionError error = assertThrows(AssertionError.class, () -> team.run(4, (index, count) -> {
                if (index == 3) {
                    throw new AssertionError("error");
                }
            }));
            assertEquals("error", error.getMessage());
            AtomicInteger after = new AtomicInteger();
            team.run(5, (index, count) -> after.incrementAndGet());
            assertEquals(5, after.get());
        }
    }

    @Test
    void closeStopsTheWorkers() throws Exception {
        Set<Thread> before = teamThreads();
        ThreadTeam team = new ThreadTeam(3);
        team.run(3, (index, count) -> {});
        Set<Thread> workers = teamThreads();
        workers.removeAll(before);
        assertEquals(2, workers.size());
        workers.forEach(w -> assertTrue(w.isDaemon(), w + " is a daemon"));
        team.close();
        for (Thread w : workers) {
            assertFalse(w.isAlive(), w + " stopped");
        }
        team.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> team.run(2, (index, count) -> {}));
        AtomicInteger single = new AtomicInteger();
        team.run(1, (index, count) -> single.incrementAndGet()); // the caller alone still works
        assertEquals(1, single.get());
    }

    @Test
    void creatingAndClosingTeamsLeaksNoThreads() throws Exception {
        int before = teamThreads().size();
        for (int i = 0; i < 100; i++) {
            try (ThreadTeam team = new ThreadTeam(3)) {
                if (i % 2 == 0) {
                    team.run(6, (index, count) -> {});
                }
            }
        }
        assertEquals(before, teamThreads().size());
    }

    @Test
    void localIsCreatedOncePerTeam() {
        Object key = new Object();
        AtomicInteger created = new AtomicInteger();
        try (ThreadTeam a = new ThreadTeam(1); ThreadTeam b = new ThreadTeam(1)) {
            int[] first = a.local(key, team -> {
                created.incrementAndGet();
                return new int[team.size()];
            });
            assertSame(first, a.local(key, team -> new int[0]));
            assertFalse(first == b.local(key, team -> new int[team.size()]));
            assertEquals(1, created.get());
        }
    }

    @Test
    void splitCoversTheRangeInAlignedContiguousParts() {
        for (int total = 0; total <= 70; total++) {
            for (int parts = 1; parts <= 5; parts++) {
                for (int align : new int[] {1, 6, 16}) {
                    assertEquals(0, ThreadTeam.split(total, parts, 0, align));
                    assertEquals(total, ThreadTeam.split(total, parts, parts, align));
                    for (int i = 0; i < parts; i++) {
                        int start = ThreadTeam.split(total, parts, i, align);
                        int end = ThreadTeam.split(total, parts, i + 1, align);
                        assertTrue(start <= end);
                        assertTrue(start % align == 0 || start == total, "aligned start");
                        assertTrue(end - start <= ((total + align - 1) / align + parts - 1) / parts * align);
                    }
                }
            }
        }
    }

    @Test
    void rejectsEmptyTeams() {
        assertThrows(IllegalArgumentException.class, () -> new ThreadTeam(0));
    }

    private static Set<Thread> teamThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kiln-team-") && t.isAlive())
                .collect(Collectors.toSet());
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
