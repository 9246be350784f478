package dev.switchboard.core.store;

import java.net.URI;

/**
 * The region a connection lives in, and so where it can be reached: a connection id means
 * something only to the {@code @connections} endpoint of the API that accepted it, and a post to it
 * is SigV4-signed for that endpoint's region. Recorded on a connection's items when the stack runs
 * in several regions over one global table (docs/DEPLOY.md, "Several regions"); absent when it runs
 * in one (every connection is then in the reader's own region).
 *
 * @param region the AWS region, e.g. {@code eu-west-1}: the SigV4 signing region of posts to it
 * @param endpoint the Management API base {@code https://{api-id}.execute-api.{region}.amazonaws.com/{stage}}
 *     (in the local cloud, that region's gateway)
 */
public record Home(String region, URI endpoint) {

    public Home {
        if (region == null || region.isBlank() || region.contains(" ")) {
            throw new IllegalArgumentException(
                    "a home needs a region without spaces, e.g. eu-west-1; got '" + region + "'");
        }
        if (endpoint == null) {
            throw new IllegalArgumentException(
                    "a home needs its @connections endpoint (SWITCHBOARD_MANAGEMENT_ENDPOINT)");
        }
    }

    /** The item attribute: region, one space, endpoint ({@code eu-west-1 https://abc.execute-api...}). */
    public String toAttribute() {
        return region + " " + endpoint;
    }

    /**
     * Reads {@link #toAttribute()}.
     *
     * @param attribute the stored value; null or blank = no home recorded
     * @return null when nothing is recorded (the reader's own region)
     * @throws IllegalArgumentException when the value is not {@code REGION ENDPOINT}
     */
    public static Home parse(String attribute) {
        if (attribute == null || attribute.isBlank()) {
            return null;
        }
        int space = attribute.indexOf(' ');
        if (space <= 0) {
            throw new IllegalArgumentException("home '" + attribute + "' is not 'REGION ENDPOINT'");
        }
        return new Home(attribute.substring(0, space), URI.create(attribute.substring(space + 1)));
    }
}
