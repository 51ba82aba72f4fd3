package dev.halfway.file;

import dev.halfway.http.HttpError;
import dev.halfway.http.Status;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The directory whose files halfway serves, and the only place request paths meet the file
 * system.
 *
 * <p>Contract of {@link #resolve(String)}:
 * <ul>
 *   <li>the path is parsed by {@link RequestPath} (400/403 from there);
 *   <li>nothing is ever opened: types and sizes come from {@link BasicFileAttributes}, so a FIFO
 *       or device under the root cannot block or trigger anything;
 *   <li>with {@code followSymlinks} false, a name whose real path (all links followed) lies
 *       outside the real root is 403; links that stay inside are fine. With it true, links are
 *       followed anywhere;
 *   <li>anything but a regular file or directory is 403 (an unreadable file is found here and
 *       refused with 403 when the responder opens it);
 *   <li>a missing name, a dangling link, a link loop, or any other {@link FileSystemException}
 *       is 404: the client learns nothing it could not learn from a missing file.
 * </ul>
 * The checks and the later open are not atomic: whoever can change the tree under the root
 * while halfway runs can swap a checked name. The root is the operator's, so that is accepted;
 * returning the real path keeps links in the request's own name out of the later open.
 */
public final class DocumentRoot {
    private static final String INDEX = "index.html";
    /** Links a walk follows at most, as Linux's MAXSYMLINKS. */
    private static final int MAX_LINKS = 40;

    private final Path root;
    private final boolean followSymlinks;

    /**
     * @param root           an existing directory; its real path is kept
     * @param followSymlinks whether links may lead outside the root
     * @throws IllegalArgumentException if root does not exist, is not a directory, or its real
     *                                  path cannot be read
     */
    public DocumentRoot(Path root, boolean followSymlinks) {
        Objects.requireNonNull(root, "root");
        if (!Files.exists(root)) {
            throw new IllegalArgumentException("document root does not exist: " + root);
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("document root is not a directory: " + root);
        }
        try {
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("document root cannot be resolved: " + root + ": " + e, e);
        }
        this.followSymlinks = followSymlinks;
    }

    /** The real path of the root. */
    public Path root() {
        return root;
    }

    public boolean followSymlinks() {
        return followSymlinks;
    }

    /**
     * What {@code encodedPath} (origin-form path, query removed, still percent-encoded) names.
     *
     * @throws HttpError 400, 403 or 404 as in the class contract; 500 for an I/O failure that
     *                   is not a file-system answer
     */
    public Resolution resolve(String encodedPath) {
        return resolve(RequestPath.parse(encodedPath));
    }

    /** As {@link #resolve(String)}, for a path already parsed. */
    public Resolution resolve(RequestPath.Parsed path) {
        String encodedPath = path.encoded();
        List<String> segments = path.segments();
        Path named = root;
        BasicFileAttributes attributes = null;
        boolean throughLink = false;
        for (String segment : segments) {
            try {
                named = named.resolve(segment);
            } catch (InvalidPathException e) {
                // The JVM's file-name encoding (a C/POSIX locale: ASCII) cannot spell this name,
                // so no file can have it.
                throw new HttpError(Status.NOT_FOUND, "name not representable in the file-name encoding");
            }
            if (!throughLink) {
                // One lstat per segment below the (real) root: while none is a link, the named
                // path is its own real path, and the last lstat gives the attributes.
                attributes = attributes(named);
                throughLink = attributes.isSymbolicLink();
            }
        }
        boolean directoryForm = path.directoryForm();

        Path real = throughLink ? realPath(named) : named;
        BasicFileAttributes found = throughLink ? attributes(real) : attributes != null ? attributes : attributes(root);
        if (found.isDirectory()) {
            if (!directoryForm) {
                return new Resolution.Redirect(encodedPath + "/");
            }
            return index(real).orElseGet(() -> directory(real, found));
        }
        if (directoryForm) {
            // RFC 3986 §3.3: "/file.txt/" names something inside file.txt, which cannot exist.
            throw new HttpError(Status.NOT_FOUND, "not a directory");
        }
        return file(real, found);
    }

    /**
     * The names a request for a file looks up on its way to it, walked as the kernel walks a
     * path: each name in the real directory it is found in; a symbolic link's target walked in
     * turn, from the link's directory or from "/" ("{@code ..}" in a target goes up from the
     * real directory); a directory form ending at its index.html. The first name is the root
     * itself. The answer for the path can change only when one of these names changes (is
     * replaced, renamed, removed, retargeted, or changes type or permissions) or the content of
     * the last one does.
     *
     * <p>This is no resolution: it decides nothing about confinement, and a caller uses it only
     * next to {@link #resolve}, whose answer it must agree with.
     *
     * @return the names and the file they lead to; empty unless the walk ends at a regular file
     *         (also when a name cannot be read, or links nest deeper than the kernel allows)
     */
    public Optional<Lookups> lookups(RequestPath.Parsed path) {
        Deque<String> pending = new ArrayDeque<>(path.segments());
        if (path.directoryForm()) {
            pending.addLast(INDEX);
        }
        List<Path> names = new ArrayList<>();
        names.add(root);
        Path directory = root;
        int links = 0;
        try {
            while (!pending.isEmpty()) {
                String name = pending.removeFirst();
                if (name.isEmpty() || name.equals(".")) {
                    continue;
                }
                if (name.equals("..")) {
                    directory = directory.getParent() == null ? directory : directory.getParent();
                    continue;
                }
                Path named = directory.resolve(name);
                names.add(named);
                BasicFileAttributes attributes =
                        Files.readAttributes(named, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attributes.isSymbolicLink()) {
                    if (++links > MAX_LINKS) {
                        return Optional.empty();
                    }
                    Path target = Files.readSymbolicLink(named);
                    List<String> parts = new ArrayList<>();
                    target.forEach(part -> parts.add(part.toString()));
                    for (int i = parts.size() - 1; i >= 0; i--) {
                        pending.addFirst(parts.get(i));
                    }
                    if (target.isAbsolute()) {
                        directory = target.getRoot();
                    }
                } else if (pending.isEmpty()) {
                    return attributes.isRegularFile() ? Optional.of(new Lookups(named, names)) : Optional.empty();
                } else if (attributes.isDirectory()) {
                    directory = named;
                } else {
                    return Optional.empty();
                }
            }
        } catch (IOException | InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty(); // the walk ended at a directory
    }

    /**
     * What {@link #lookups} found.
     *
     * @param file  the real path of the regular file the walk ended at
     * @param names every name looked up, in order, each in its real directory (the root first)
     */
    public record Lookups(Path file, List<Path> names) {
        public Lookups {
            names = List.copyOf(names);
        }

        /** The directories the names were looked up in (the root's parent among them), outermost first. */
        public List<Path> directories() {
            Set<Path> directories = new LinkedHashSet<>();
            for (Path name : names) {
                if (name.getParent() != null) {
                    directories.add(name.getParent());
                }
            }
            List<Path> outermostFirst = new ArrayList<>(directories);
            outermostFirst.sort(Comparator.comparingInt(Path::getNameCount));
            return outermostFirst;
        }
    }

    /** The directory's index.html as a File; empty if there is none, or it is a directory. */
    private Optional<Resolution> index(Path directory) {
        Path index = directory.resolve(INDEX);
        BasicFileAttributes own;
        try {
            own = Files.readAttributes(index, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return Optional.empty(); // no index.html
        }
        // A link, FIFO or unreadable file named index.html fails like any other name would:
        // falling back to a listing would show what the operator meant to hide behind the index.
        Path real = own.isSymbolicLink() ? realPath(index) : index;
        BasicFileAttributes attributes = own.isSymbolicLink() ? attributes(real) : own;
        if (attributes.isDirectory()) {
            return Optional.empty();
        }
        return Optional.of(file(real, attributes));
    }

    private Resolution directory(Path real, BasicFileAttributes attributes) {
        if (!Files.isReadable(real)) {
            throw new HttpError(Status.FORBIDDEN, "directory is not readable");
        }
        return new Resolution.Directory(real, attributes.lastModifiedTime());
    }

    /** Whether the file can be read is learnt when it is opened (403 then), not by a separate access(2). */
    private static Resolution file(Path real, BasicFileAttributes attributes) {
        if (!attributes.isRegularFile()) {
            throw new HttpError(Status.FORBIDDEN, "not a regular file");
        }
        return new Resolution.File(real, attributes.size(), attributes.lastModifiedTime());
    }

    /** The real path of {@code named}, checked against the root unless links may leave it. */
    private Path realPath(Path named) {
        Path real;
        try {
            real = named.toRealPath();
        } catch (NoSuchFileException e) {
            throw new HttpError(Status.NOT_FOUND, "no such file");
        } catch (FileSystemException e) {
            throw new HttpError(Status.NOT_FOUND, "path cannot be resolved");
        } catch (IOException e) {
            throw new HttpError(Status.INTERNAL_SERVER_ERROR, "i/o error resolving path");
        }
        if (!followSymlinks && !real.startsWith(root)) {
            throw new HttpError(Status.FORBIDDEN, "symbolic link leaves the document root");
        }
        return real;
    }

    /** Attributes of a path itself (a link is not followed), read without opening the file. */
    private static BasicFileAttributes attributes(Path real) {
        try {
            return Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new HttpError(Status.NOT_FOUND, "no such file");
        } catch (FileSystemException e) {
            throw new HttpError(Status.NOT_FOUND, "path cannot be resolved");
        } catch (IOException e) {
            throw new HttpError(Status.INTERNAL_SERVER_ERROR, "i/o error resolving path");
        }
    }
}
