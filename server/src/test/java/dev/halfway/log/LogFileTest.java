package dev.halfway.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogFile}, the file behind {@code --access-log-file}: appending, buffering, and the reopen
 * that log rotation relies on (rename the file, reopen: every line before the reopen is in the
 * renamed file, every line after it in a new file at the path, none lost, none split), alone and
 * with writers racing the reopens.
 */
class LogFileTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream noticeBytes = new ByteArrayOutputStream();
    private final PrintStream notices = new PrintStream(noticeBytes, true, UTF_8);

    private List<String> notices() {
        return noticeBytes.toString(UTF_8).lines().toList();
    }

    @Test
    void appendsUtf8LinesThatReachTheFileOnFlush() throws IOException {
        Path path = Files.writeString(dir.resolve("access.log"), "from an earlier run\n");
        try (LogFile log = LogFile.open(path, notices)) {
            log.println("GET /caf\u00e9 \u65e5\u672c");
            assertEquals("from an earlier run\n", Files.readString(path), "buffered: nothing written before a flush");
            log.flush();
            assertEquals("from an earlier run\nGET /caf\u00e9 \u65e5\u672c\n", Files.readString(path, UTF_8));
        }
        assertEquals(List.of(), notices());
    }

    @Test
    void createsAMissingFile() throws IOException {
        Path path = dir.resolve("access.log");
        try (LogFile log = LogFile.open(path, notices)) {
            assertTrue(Files.isRegularFile(path), "created at open, before any line");
            log.println("one");
        }
        assertEquals("one\n", Files.readString(path), "close writes what was buffered");
    }

    @Test
    void aClfLineInTheFileIsTheLineOnStdout() throws IOException {
        Path path = dir.resolve("access.log");
        try (LogFile file = LogFile.open(path, notices)) {
            AccessLog log = AccessLog.of(LogFormat.CLF, file);
            log.log(AccessLogTest.complete());
            log.flush();
        }
        assertEquals(List.of(AccessLogTest.one(LogFormat.CLF, AccessLogTest.complete())), Files.readAllLines(path));
    }

    @Test
    void refusesAMissingDirectoryAndADirectory() {
        Path missing = dir.resolve("no-such-dir").resolve("access.log");
        IOException e = assertThrows(IOException.class, () -> LogFile.open(missing, notices));
        assertEquals("no such directory " + missing.getParent(), LogFile.reason(e));
        assertFalse(Files.exists(missing.getParent()));

        IOException isDirectory = assertThrows(FileSystemException.class, () -> LogFile.open(dir, notices));
        assertEquals("Is a directory", LogFile.reason(isDirectory));
    }

    /** The logrotate flow: rename, then reopen. Lines between the two still go to the renamed file, which is the one open. */
    @Test
    void linesBeforeTheReopenAreInTheRenamedFileAndLinesAfterInTheNewOne() throws IOException {
        Path path = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        LogFile log = LogFile.open(path, notices);
        log.println("a");
        log.println("b");
        Files.move(path, rotated);
        log.println("c");
        log.reopen();
        assertEquals(List.of("a", "b", "c"), Files.readAllLines(rotated), "the reopen writes the old file's buffered lines");
        assertEquals(0, Files.size(path), "a fresh file at the path");
        log.println("d");
        log.flush();
        assertEquals(List.of("d"), Files.readAllLines(path));
        assertEquals(List.of("a", "b", "c"), Files.readAllLines(rotated));

        log.close();
        Files.move(path, dir.resolve("access.log.2"));
        log.reopen();
        assertFalse(Files.exists(path), "after close a reopen does nothing");
        log.println("after close");
        assertEquals(List.of("d"), Files.readAllLines(dir.resolve("access.log.2")), "lines after close are dropped");
        assertEquals(List.of(), notices());
    }

    /**
     * A reopen whose directory has gone (renamed away here, so the old file can still be read)
     * throws, and changes nothing: lines keep going to the file that was open. Once the directory
     * is back, the next reopen goes on in a new file there.
     */
    @Test
    void aReopenThatCannotOpenKeepsWritingToTheOldFileAndTheNextOneTriesAgain() throws IOException {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Path path = logs.resolve("access.log");
        LogFile log = LogFile.open(path, notices);
        log.println("before");
        Path moved = Files.move(logs, dir.resolve("logs.old")).resolve("access.log");

        IOException e = assertThrows(IOException.class, log::reopen);
        assertEquals("no such directory " + logs, LogFile.reason(e));
        log.println("after the failed reopen");
        log.flush();
        assertEquals(List.of("before", "after the failed reopen"), Files.readAllLines(moved));
        assertFalse(Files.exists(logs), "the failed reopen created nothing");

        Files.createDirectory(logs);
        log.reopen();
        log.println("after the second reopen");
        log.close();
        assertEquals(List.of("after the second reopen"), Files.readAllLines(path));
        assertEquals(List.of("before", "after the failed reopen"), Files.readAllLines(moved));
        assertEquals(List.of(), notices(), "the reopen's failure is the caller's to report (it throws)");
    }

    /** /dev/full takes the open and fails every write (ENOSPC): one notice per file, not one per line. */
    @Test
    void aFailingFileIsReportedOnceNotPerLine() throws IOException {
        Path full = Path.of("/dev/full");
        LogFile log = LogFile.open(full, notices);
        for (int i = 0; i < 3; i++) {
            log.println("line " + i);
            log.flush();
        }
        assertEquals(1, notices().size(), notices()::toString);
        assertEquals("halfway-server: cannot write the access log (/dev/full): No space left on device; lines are lost",
                notices().get(0));

        log.reopen(); // the old stream's close fails again: already reported
        assertEquals(1, notices().size(), notices()::toString);
        log.println("in the new file");
        log.flush();
        assertEquals(2, notices().size(), () -> "the new file's first failure is reported: " + notices());
        log.close();
        assertEquals(2, notices().size(), notices()::toString);
    }

    // ---------------------------------------------------------------- concurrent writers

    static final int WRITERS = 4;
    static final int LINES = 3000;
    static final int REOPENS = 12;
    /** Each writer releases a permit every this many lines; each reopen takes one permit per writer. */
    static final int LINES_PER_PERMIT = 100;
    static final Pattern LINE = Pattern.compile("w(\\d+) (\\d+) .*");

    /** Writer {@code w}'s line {@code i}: lengths from 6 to some 300 bytes, multi-byte characters, and one line larger than the buffer. */
    static String line(int w, int i) {
        StringBuilder s = new StringBuilder("w").append(w).append(' ').append(i).append(' ');
        if (i == LINES / 3) {
            return s.append("x".repeat(LogFile.BUFFER_BYTES + 1000)).toString();
        }
        String unit = i % 5 == 0 ? "\u00e9" : Integer.toString(i % 10);
        return s.append(unit.repeat((i * 7) % 150)).toString();
    }

    /**
     * Four writers and a flush every 50 lines (the sweep) while the file is renamed and reopened
     * twelve times, each reopen after another 400 lines. Writers stop half-way until the first
     * reopen is done, so there are lines on both sides of it for certain. Then: every line is in
     * exactly one file and equals what was written (nothing split, merged or lost); each writer's
     * lines appear in order, through the files in the order they were rotated; and the first file
     * holds nothing written after the first reopen.
     */
    @Test
    void writersRacingReopensLoseNoLineAndSplitNone() throws Exception {
        Path path = dir.resolve("access.log");
        LogFile log = LogFile.open(path, notices);
        Semaphore progress = new Semaphore(0);
        CountDownLatch firstReopen = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        try {
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < LINES; i++) {
                        if (i == LINES / 2 && !firstReopen.await(30, TimeUnit.SECONDS)) {
                            throw new AssertionError("the first reopen did not happen");
                        }
                        log.println(line(writer, i));
                        if (i % 50 == 49) {
                            log.flush();
                        }
                        if (i % LINES_PER_PERMIT == LINES_PER_PERMIT - 1) {
                            progress.release();
                        }
                    }
                    return null;
                }));
            }
            for (int r = 1; r <= REOPENS; r++) {
                assertTrue(progress.tryAcquire(WRITERS, 30, TimeUnit.SECONDS), "the writers made progress before reopen " + r);
                Files.move(path, dir.resolve("access.log." + r));
                log.reopen();
                if (r == 1) {
                    firstReopen.countDown();
                }
            }
            for (Future<?> f : writers) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        log.close();

        List<Path> files = new ArrayList<>();
        for (int r = 1; r <= REOPENS; r++) {
            files.add(dir.resolve("access.log." + r));
        }
        files.add(path);
        Map<String, Integer> fileOfLine = new HashMap<>();
        int[] lastSeen = new int[WRITERS];
        java.util.Arrays.fill(lastSeen, -1);
        for (int k = 0; k < files.size(); k++) {
            for (String text : Files.readAllLines(files.get(k), UTF_8)) {
                Matcher m = LINE.matcher(text);
                assertTrue(m.matches(), () -> "a whole line: " + abbreviated(text));
                int w = Integer.parseInt(m.group(1));
                int i = Integer.parseInt(m.group(2));
                assertEquals(line(w, i), text, "line " + i + " of writer " + w + " as written");
                assertTrue(i > lastSeen[w], "writer " + w + "'s line " + i + " after its line " + lastSeen[w]
                        + ", through the files in rotation order");
                lastSeen[w] = i;
                assertEquals(null, fileOfLine.put(w + " " + i, k), "line " + i + " of writer " + w + " once");
            }
        }
        assertEquals(WRITERS * LINES, fileOfLine.size(), "every line is in some file");
        for (int w = 0; w < WRITERS; w++) {
            for (int i = LINES / 2; i < LINES; i++) {
                assertTrue(fileOfLine.get(w + " " + i) > 0, "written after the first reopen, so not in its renamed file");
            }
        }
        assertTrue(fileOfLine.containsValue(0), "lines before the first reopen are in its renamed file");
        assertEquals(List.of(), notices());
    }

    private static String abbreviated(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " chars)";
    }
}
