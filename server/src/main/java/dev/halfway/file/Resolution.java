package dev.halfway.file;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * What a request path names under the document root, once it is known to be servable. Failures
 * are not resolutions: {@link DocumentRoot#resolve(String)} throws them as HttpError.
 */
public sealed interface Resolution {

    /**
     * A regular, readable file (possibly a directory's index.html). {@code path} is its real path
     * (links resolved), the one that was checked against the root; {@code size} and
     * {@code lastModified} are as read during resolution (RFC 1945 §10.4 Content-Length,
     * §10.10 Last-Modified).
     */
    record File(Path path, long size, FileTime lastModified) implements Resolution {
        public File {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(lastModified, "lastModified");
            if (size < 0) {
                throw new IllegalArgumentException("negative size: " + size);
            }
        }
    }

    /**
     * A directory requested in directory form (trailing slash) that has no index.html; the
     * caller renders a listing or refuses. {@code path} is its real path.
     */
    record Directory(Path path, FileTime lastModified) implements Resolution {
        public Directory {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(lastModified, "lastModified");
        }
    }

    /**
     * A directory requested without a trailing slash: answer 301 (RFC 1945 §9.3) so relative
     * links in its listing or index resolve against the directory. {@code location} is the
     * request's encoded path plus "/", in the client's own encoding; it is a path, and the caller
     * makes it absolute if it wants to (RFC 1945 §10.11 asks for an absolute URI). It cannot start
     * with "//" or contain "\", since RequestPath rejects both, so it never names another host.
     */
    record Redirect(String location) implements Resolution {
        public Redirect {
            Objects.requireNonNull(location, "location");
        }
    }
}
