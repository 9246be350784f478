package dev.switchboard.core.fanout;

/** What happened to each recipient: delivered + gone + failed = the audience. */
public record FanOutResult(int delivered, int gone, int failed) {

    public static final FanOutResult NONE = new FanOutResult(0, 0, 0);

    public FanOutResult plus(FanOutResult other) {
        return new FanOutResult(delivered + other.delivered, gone + other.gone, failed + other.failed);
    }

    public int audience() {
        return delivered + gone + failed;
    }
}
