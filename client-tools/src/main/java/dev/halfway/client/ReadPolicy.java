package dev.halfway.client;

/**
 * How the client reads the response, to imitate slow or odd readers.
 *
 * @param delayMillis       wait this long before the first read
 * @param bytesPerSecond    read no faster than this (0: as fast as possible)
 * @param shutWrAfterBytes  half-close once this many response bytes were read (-1: never); a FIN mid-response
 * @param stopAfterBytes    stop reading and close once this many bytes were read (-1: read to the end)
 * @param receiveBuffer     SO_RCVBUF in bytes (0: the system's default); small values make a slow reader bite sooner
 */
public record ReadPolicy(long delayMillis, long bytesPerSecond, long shutWrAfterBytes, long stopAfterBytes, int receiveBuffer) {
    public static final ReadPolicy EAGER = new ReadPolicy(0, 0, -1, -1, 0);
}
