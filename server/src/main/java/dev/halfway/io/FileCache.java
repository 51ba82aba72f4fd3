package dev.halfway.io;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import dev.halfway.file.DocumentRoot;
import dev.halfway.file.RequestPath;
import dev.halfway.file.Resolution;
import dev.halfway.http.HttpError;
import dev.halfway.http.ResponseHead;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Small files held in memory with their response heads, so that a request for one costs no file
 * system call at all. Keyed by the decoded request path ({@link RequestPath.Parsed#key}); it holds
 * only what the responder decided was a 200 file (no listings, redirects or errors), of regular
 * files whose real path lies inside the root and that have one link (a write through another
 * hard link would not be seen).
 *
 * <p>Bounded by the bytes it holds (bodies and pre-encoded heads), by its entries and by the size
 * of one file; when an entry does not fit, the oldest go first (first in, first out).
 *
 * <p><b>Invalidation.</b> Every name a request's resolution looks up ({@link DocumentRoot#lookups}:
 * the root, each directory on the way, each link and where it leads, the file) is watched through
 * its directory with a {@link WatchService} (inotify on Linux), one watch per directory, released
 * when no entry needs it. Any event that names one of an entry's names (or a directory above one)
 * drops the entry; an event that renames, creates or removes a directory also forgets the
 * watches below it, which now watch something else; an overflow drops everything. A fill is made
 * so that no change racing it can leave a stale entry: it registers the watches first, then walks
 * and resolves the path again and reads the file, and inserts only if no change to its names
 * arrived since it began. A change is therefore seen once the kernel has delivered its event and
 * the watch thread has woken up: milliseconds.
 *
 * <p><b>Threads.</b> Hits ({@link #get}) are a {@link ConcurrentHashMap} lookup of an immutable
 * entry, without a lock, on the selector threads. Fills and the one watch thread change the cache
 * under one lock. Without a watch service, or if the watch thread fails, the cache turns itself
 * off and says so once on stderr.
 */
final class FileCache implements AutoCloseable {

    /** What a hit answers with, made once by the responder when the file is read. Immutable: the body is never written. */
    record Entry(byte[] body, Instant lastModified, ResponseHead.Preencoded ok, ResponseHead.Preencoded notModified) {
        /** What the entry costs the cache's byte bound: its body and its heads. */
        long bytes() {
            return body.length + ok.heldBytes() + notModified.heldBytes();
        }
    }

    /** Makes the entry for a file just read: {@code file} is its real path. */
    @FunctionalInterface
    interface Maker {
        Entry make(Path file, byte[] body, FileTime lastModified);
    }

    /** An entry with what it depends on: the names its lookups went through and the directories watched for them. */
    private record Slot(String key, Entry entry, List<Path> names, List<Path> directories) {
        boolean dependsOn(Path changed) {
            return FileCache.dependsOn(names, changed);
        }
    }

    /** A change the watch thread took in: its sequence number, and the name it concerns (null: everything). */
    private record Change(long sequence, Path name) {}

    /** Changes remembered for fills under way; a fill that began before the oldest one does not insert. */
    private static final int REMEMBERED_CHANGES = 256;

    private final DocumentRoot root;
    private final long maxBytes;
    private final int maxEntries;
    private final long maxFileBytes;
    private final PrintStream notices;

    /** The entries, read without a lock; written only under {@link #lock}, together with {@link #order}. */
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    /** Number of changes taken in so far: written under the lock, read by fills before they begin. */
    private volatile long changes;
    private volatile boolean on;

    private final Object lock = new Object();
    // Guarded by lock:
    private final LinkedHashMap<String, Slot> order = new LinkedHashMap<>();
    private final Map<Path, WatchKey> watched = new HashMap<>();
    /** Per watched directory: the entries and fills under way that need it. At 0 the watch is cancelled. */
    private final Map<Path, Integer> needed = new HashMap<>();
    private final ArrayDeque<Change> recent = new ArrayDeque<>();
    private long bytes;
    private WatchService service;
    private Thread watcher;
    private boolean closed;
    private boolean toldWatchFailure;
    private boolean toldOff;

    /**
     * A cache for {@code root}'s files; it holds nothing until {@link #start}. {@code maxBytes} 0
     * makes a cache that stays off.
     *
     * @param notices where the cache says, once, that it is off or cannot watch a directory
     */
    FileCache(DocumentRoot root, long maxBytes, int maxEntries, long maxFileBytes, PrintStream notices) {
        this.root = root;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
        this.maxFileBytes = maxFileBytes;
        this.notices = notices;
    }

    /** Opens the watch service and starts the watch thread; without a watch service the cache stays off. */
    void start() {
        if (maxBytes == 0) {
            return;
        }
        synchronized (lock) {
            if (closed || on) {
                return;
            }
            try {
                service = FileSystems.getDefault().newWatchService();
            } catch (IOException | UnsupportedOperationException e) {
                off("no file watch service (" + e.getMessage() + ")");
                return;
            }
            on = true;
            watcher = new Thread(this::takeEvents, "halfway-file-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    /** Whether the cache is taking files (started, not turned off or closed). */
    boolean on() {
        return on;
    }

    /** The entry for a request path's key, or null. No lock, no system call. */
    Entry get(String key) {
        Slot slot = slots.get(key);
        return slot == null ? null : slot.entry();
    }

    /** Whether a file of {@code size} bytes could be held. */
    boolean admits(long size) {
        return on && size <= maxFileBytes && size <= maxBytes;
    }

    /** Entries held. */
    int size() {
        return slots.size();
    }

    /** Bytes held, as counted against the byte bound. */
    long bytes() {
        synchronized (lock) {
            return bytes;
        }
    }

    /** Changes the watch thread has taken in so far (each event, and each overflow). */
    long changes() {
        return changes;
    }

    /** Directories watched now. */
    int watchedDirectories() {
        synchronized (lock) {
            return watched.size();
        }
    }

    /**
     * Reads the file {@code found} (what the document root resolved {@code path} to) and holds it,
     * unless it cannot be held or a change raced the fill.
     *
     * @return the entry read (held or not), or null when the file was not read: answer as
     *         without a cache
     */
    Entry fill(RequestPath.Parsed path, Resolution.File found, Maker maker) {
        if (!admits(found.size()) || !found.path().startsWith(root.root())) {
            return null;
        }
        long since = changes;
        Optional<DocumentRoot.Lookups> walked = root.lookups(path);
        if (walked.isEmpty() || !walked.get().file().equals(found.path())) {
            return null;
        }
        DocumentRoot.Lookups lookups = walked.get();
        List<Path> directories = lookups.directories();
        if (!watch(directories, lookups.names(), since)) {
            return null;
        }
        boolean held = false;
        try {
            // Every name is watched now. What changed before the watches were in place shows as a
            // different walk or resolution; what changes from now on is an event.
            if (!walked.equals(root.lookups(path))) {
                return null;
            }
            Resolution again;
            try {
                again = root.resolve(path);
            } catch (HttpError e) {
                return null;
            }
            if (!(again instanceof Resolution.File file) || !file.path().equals(lookups.file()) || !admits(file.size())) {
                return null;
            }
            Entry entry = read(file, maker);
            if (entry == null) {
                return null;
            }
            synchronized (lock) {
                if (on && !changedSince(since, lookups.names())) {
                    held = insert(new Slot(path.key(), entry, lookups.names(), directories));
                }
            }
            return entry;
        } finally {
            if (!held) {
                synchronized (lock) {
                    release(directories);
                }
            }
        }
    }

    /**
     * Makes sure each directory is watched, outermost first, and counts this fill among those that
     * need it; false (nothing counted) when one cannot be watched or a change to the names came in
     * since the fill began (a watch found may then be one a change has made stale).
     */
    private boolean watch(List<Path> directories, List<Path> names, long since) {
        synchronized (lock) {
            if (!on || changedSince(since, names)) {
                return false;
            }
            for (int i = 0; i < directories.size(); i++) {
                Path directory = directories.get(i);
                WatchKey key = watched.get(directory);
                if (key == null || !key.isValid()) {
                    try {
                        key = directory.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
                    } catch (IOException | RuntimeException e) {
                        tellWatchFailure(directory, e);
                        release(directories.subList(0, i));
                        return false;
                    }
                    // The same directory watched under another name (a bind mount): its events
                    // would name that one, so nothing under this name could be invalidated.
                    if (!directory.equals(key.watchable())) {
                        release(directories.subList(0, i));
                        return false;
                    }
                    watched.put(directory, key);
                }
                needed.merge(directory, 1, Integer::sum);
            }
            return true;
        }
    }

    /** One fewer entry or fill needs these directories (under the lock); a watch nobody needs is cancelled. */
    private void release(List<Path> directories) {
        for (Path directory : directories) {
            Integer left = needed.merge(directory, -1, Integer::sum);
            if (left != null && left <= 0) {
                needed.remove(directory);
                WatchKey key = watched.remove(directory);
                if (key != null) {
                    key.cancel();
                }
            }
        }
    }

    /** Reads the file whole and checks it is still what was resolved: one link, the size read, regular. */
    private static Entry read(Resolution.File file, Maker maker) {
        Path path = file.path();
        int size = (int) file.size();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            byte[] body = new byte[size];
            ByteBuffer buffer = ByteBuffer.wrap(body);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    return null; // it shrank
                }
            }
            if (channel.read(ByteBuffer.allocate(1)) >= 0) {
                return null; // it grew
            }
            Map<String, Object> after = Files.readAttributes(path, "unix:isRegularFile,size,lastModifiedTime,nlink",
                    LinkOption.NOFOLLOW_LINKS);
            if (!Boolean.TRUE.equals(after.get("isRegularFile")) || !Long.valueOf(size).equals(after.get("size"))
                    || !Integer.valueOf(1).equals(after.get("nlink"))) {
                return null;
            }
            return maker.make(path, body, (FileTime) after.get("lastModifiedTime"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Holds the slot, evicting the oldest until it fits (under the lock); false if it can never fit. */
    private boolean insert(Slot slot) {
        long cost = slot.entry().bytes();
        if (cost > maxBytes) {
            return false;
        }
        Slot old = order.remove(slot.key());
        if (old != null) {
            drop(old);
        }
        Iterator<Slot> oldest = order.values().iterator();
        while (oldest.hasNext() && (order.size() >= maxEntries || bytes + cost > maxBytes)) {
            Slot evicted = oldest.next();
            oldest.remove();
            drop(evicted);
        }
        order.put(slot.key(), slot);
        slots.put(slot.key(), slot);
        bytes += cost;
        return true;
    }

    /** A slot already out of {@link #order} leaves the map and gives back its bytes and watches (under the lock). */
    private void drop(Slot slot) {
        slots.remove(slot.key(), slot);
        bytes -= slot.entry().bytes();
        release(slot.directories());
    }

    /** Whether a change taken in since {@code since} concerns one of the names (under the lock). */
    private boolean changedSince(long since, List<Path> names) {
        if (changes == since) {
            return false;
        }
        Change oldest = recent.peekFirst();
        if (oldest == null || oldest.sequence() > since + 1) {
            return true; // some of them are forgotten
        }
        for (Iterator<Change> it = recent.descendingIterator(); it.hasNext(); ) {
            Change change = it.next();
            if (change.sequence() <= since) {
                break;
            }
            if (change.name() == null || dependsOn(names, change.name())) {
                return true;
            }
        }
        return false;
    }

    private static boolean dependsOn(List<Path> names, Path changed) {
        for (Path name : names) {
            if (name.startsWith(changed)) {
                return true;
            }
        }
        return false;
    }

    /** The watch thread: takes each signalled directory's events in, until the cache is closed or off. */
    private void takeEvents() {
        try {
            while (true) {
                WatchService current;
                synchronized (lock) {
                    if (!on) {
                        return;
                    }
                    current = service;
                }
                WatchKey key;
                try {
                    key = current.take();
                } catch (ClosedWatchServiceException e) {
                    continue; // closed by close() or off() (then not on), or replaced after an overflow
                }
                Path directory = (Path) key.watchable();
                List<WatchEvent<?>> events = key.pollEvents();
                boolean valid = key.reset();
                synchronized (lock) {
                    for (WatchEvent<?> event : events) {
                        if (event.kind() == OVERFLOW) {
                            everythingChanged();
                        } else if (event.context() instanceof Path name) {
                            // A name replaced, created or removed may be a directory whose watches
                            // now watch something else; a modified one is still the same file.
                            changed(directory.resolve(name), event.kind() != ENTRY_MODIFY);
                        }
                    }
                    if (!valid && watched.remove(directory, key)) {
                        changed(directory, true); // the directory itself is gone (removed, unmounted)
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                off("the watch thread failed (" + e + ")");
            }
        }
    }

    /** A change to {@code name} (under the lock): drops the entries that depend on it; a renamed name's watches go too. */
    private void changed(Path name, boolean renamed) {
        remember(name);
        for (Iterator<Slot> it = order.values().iterator(); it.hasNext(); ) {
            Slot slot = it.next();
            if (slot.dependsOn(name)) {
                it.remove();
                drop(slot);
            }
        }
        if (renamed) {
            for (Iterator<Map.Entry<Path, WatchKey>> it = watched.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Path, WatchKey> w = it.next();
                if (w.getKey().startsWith(name)) {
                    it.remove();
                    w.getValue().cancel(); // whoever still needs it registers it anew
                }
            }
        }
    }

    /** Events were lost (under the lock): drop every entry and start again with a fresh watch service. */
    private void everythingChanged() {
        remember(null);
        dropAll();
        WatchService old = service;
        try {
            service = FileSystems.getDefault().newWatchService();
        } catch (IOException | RuntimeException e) {
            off("no new file watch service after an overflow (" + e.getMessage() + ")");
            return;
        } finally {
            watched.clear();
            closeQuietly(old);
        }
    }

    private void remember(Path name) {
        long sequence = changes + 1;
        recent.addLast(new Change(sequence, name));
        if (recent.size() > REMEMBERED_CHANGES) {
            recent.removeFirst();
        }
        changes = sequence;
    }

    private void dropAll() {
        for (Slot slot : order.values()) {
            drop(slot);
        }
        order.clear();
    }

    /** Turns the cache off for good (under the lock) and says why, once. */
    private void off(String why) {
        boolean wasClosed = closed;
        on = false;
        remember(null);
        dropAll();
        watched.clear();
        needed.clear();
        closeQuietly(service);
        if (!wasClosed && !toldOff) {
            toldOff = true;
            notices.println("halfway-server: file cache off: " + why);
        }
    }

    private void tellWatchFailure(Path directory, Exception e) {
        if (!toldWatchFailure) {
            toldWatchFailure = true;
            notices.println("halfway-server: file cache: cannot watch " + directory + " (" + e.getMessage()
                    + "); files looked up there are not cached");
        }
    }

    private static void closeQuietly(WatchService service) {
        if (service != null) {
            try {
                service.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Stops the watch thread and drops everything. */
    @Override
    public void close() {
        Thread thread;
        synchronized (lock) {
            closed = true;
            off("closed");
            thread = watcher;
        }
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
