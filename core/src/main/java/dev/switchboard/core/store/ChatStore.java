package dev.switchboard.core.store;

import dev.switchboard.protocol.InboxState;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Connections, room memberships and message history. Every method is a key lookup or a query —
 * never a scan — and every read skips items whose TTL has passed (DynamoDB deletes them only
 * eventually).
 */
public interface ChatStore {

    /**
     * Stores a new connection's record.
     *
     * @throws ConnectionIdTakenException with several regions, when a connection of another region
     *     already holds this id (nothing is stored)
     */
    void putConnection(Connection connection);

    Optional<Connection> connection(String connectionId);

    /**
     * Reads the connection and takes one send from its {@link SendRate} in the same request: what
     * {@link #connection} returns, plus whether this send is within the limit. The limit's state
     * lives with the connection, so it holds whichever function instance handles the frame. The
     * first time, it also records when the connection's first frame was handled, for
     * {@link #removeGone}.
     */
    SendPermit takeSend(String connectionId, SendRate rate);

    /**
     * {@code refresh}: replaces the connection's token expiry, permissions, admin flag and display
     * name, only while the connection lives and belongs to {@code connection.user()}.
     *
     * @return false when there is no such live connection of that user (nothing changed)
     */
    boolean replaceToken(Connection connection);

    /** The rooms the connection is in (consistent read). */
    List<String> rooms(String connectionId);

    /** Sets the token expiry (epoch s) on the connection's membership of {@code room}, which fan-outs read; no-op when it left. */
    void extendMembership(String connectionId, String room, long tokenExpiresAt);

    /**
     * Takes one of the user's {@code cap} connection slots for a connection already stored with
     * {@link #putConnection}. Exact under concurrent connects of one user (a conditional write on one
     * item per user). When the slots are full, slots whose connection is gone or expired (a
     * {@code $disconnect} that never came, a {@code 410} cleanup) are freed first, so they cannot
     * count forever.
     *
     * @return false when the user already holds {@code cap} live connections
     */
    boolean claimConnectionSlot(String user, String connectionId, long expiresAtSeconds, int cap);

    /** Deletes the connection and all its memberships, and frees its connection slot; returns the rooms it was in. Idempotent. */
    List<String> removeConnection(String connectionId);

    /**
     * Removes connections a fan-out found gone (410): each connection, and its membership of
     * {@code room} when the fan-out was to a room (null otherwise), in batches, not a round trip or
     * two each. Without a room, only a connection known to have been open before its post is removed:
     * API Gateway answers 410 until the handshake completes, after {@code $connect} has registered the
     * connection, so one that had sent no frame before the post and connected recently may have been
     * connecting, and one whose first frame came after the post may be open now. What is not removed
     * here goes with {@code $disconnect}, a later fan-out or TTL. Idempotent.
     *
     * @param postedFromMillis epoch ms when the fan-out started posting: every post answered 410 was sent at or
     *     after it ({@link dev.switchboard.core.fanout.FanOut.Gone#postedFromMillis()}). Never the time a 410
     *     arrived, which may come after the connection's first frame
     * @throws RuntimeException when DynamoDB fails or leaves deletes unprocessed after retries
     */
    void removeGone(List<String> connectionIds, String room, long postedFromMillis);

    /**
     * Adds the connection to the room, atomically with the limit on its rooms: no race between
     * counting and joining, and a connection that is gone or expired cannot join.
     */
    JoinOutcome join(Connection connection, String room, int maxRoomsPerConnection);

    /** @return false when the connection was not a (live) member */
    boolean leave(String connectionId, String room);

    boolean isMember(String connectionId, String room);

    /**
     * The members of a room when it has at most {@code cap} (one strongly consistent query of at
     * most {@code cap + 1} items); empty when it has more.
     */
    Optional<List<Member>> membersIfAtMost(String room, int cap);

    /**
     * What was last announced of one user's presence in one room; null when nothing was. The same
     * coalescing state serves typing and read receipts, under the subjects {@code typing#USER} and
     * {@code receipt#USER} ({@code #} is not allowed in user names, so subjects never collide).
     */
    PresenceState presenceState(String room, String user);

    /**
     * Replaces the presence state if it is still {@code expected} (null = none yet).
     *
     * @return false when another invocation changed it first (read it again)
     */
    boolean replacePresenceState(
            String room, String user, PresenceState expected, PresenceState next, long expiresAtSeconds);

    /**
     * @param event   the last announced event, {@code join} or {@code leave}
     * @param atMillis when it was announced (epoch ms)
     * @param pending an invocation is waiting for the window's end to announce the outcome
     * @param version increases with every change (for the conditional replace)
     */
    record PresenceState(String event, long atMillis, boolean pending, long version) {}

    /** Members of a room, counted up to {@code upTo} (enough to compare with a cap cheaply). */
    int countMembers(String room, int upTo);

    /**
     * A secret shared by every function instance (the same bytes wherever it is asked), made on
     * first use. For values only the server reads back, such as {@code who} cursors.
     *
     * @param name which key ({@code [A-Za-z0-9-]}), e.g. {@code who-cursor}
     * @return 32 random bytes
     */
    byte[] sharedKey(String name);

    /** One page of members ordered by connection id, starting after {@code afterConnectionId}. */
    Page<Member> members(String room, String afterConnectionId, int pageSize);

    /**
     * One page of a room's recipients for a fan-out (connection id and user only), ordered by
     * connection id, starting after {@code afterConnectionId} (null: from the start). The page may
     * hold fewer than {@code pageSize} (expired members are skipped) and still have a next one.
     */
    Page<Member> recipients(String room, String afterConnectionId, int pageSize);

    /** Streams every member of a room, page by page, without loading the room whole. */
    void forEachMemberPage(String room, int pageSize, Consumer<List<Member>> page);

    /** Streams every live connection of one write shard of the all-connections index. */
    void forEachConnectionInShard(int shard, int pageSize, Consumer<List<Member>> page);

    /**
     * Streams the connections of one write shard whose token expired before
     * {@code expiredBeforeSeconds} (epoch seconds; the caller subtracts the leeway). Connections
     * without a token expiry (dev auth) are never returned. Reads the index eventually consistently:
     * a connection refreshed a moment ago may still be returned (the caller re-checks it).
     */
    void forEachTokenExpiredConnection(int shard, long expiredBeforeSeconds, int pageSize, Consumer<List<Member>> page);

    List<Member> connectionsOf(String user);

    /**
     * Stores the message, in one write with the check that {@code memberConnectionId} is a live
     * member of the message's room, unless the idempotency key (null: none) was used before; then
     * stores nothing and returns the first message under that key (with its stored text) and
     * whether its fan-out completed ({@link #markFannedOut}).
     *
     * @throws NotMemberException when the connection is not a member of the room; nothing stored
     */
    SaveOutcome saveMessage(StoredMessage message, String idempotencyKey, String memberConnectionId);

    /**
     * Records that the fan-out of the message saved under {@code idempotencyKey} ran to the end:
     * every member page read and every recipient posted to (or counted failed or gone). A retry of
     * the send is then acknowledged without being delivered again; until then, a retry delivers it
     * again (at least once: clients drop repeats by id).
     */
    void markFannedOut(String idempotencyKey);

    /** Oldest first: the page right after {@code afterId}, or the newest {@code limit} when null. */
    Page<StoredMessage> history(String room, String afterId, int limit);

    /**
     * One message of a room in its latest version (strongly consistent), or empty when there is
     * none or its retention ended.
     */
    Optional<StoredMessage> message(String room, String id);

    /**
     * Replaces {@code current} (as just read by {@link #message}) with {@code next} — a new text for an
     * edit, or a tombstone ({@code deleted}, no text) — in one transaction with the check that
     * {@code memberConnectionId} is a live member of the room, and keeps {@code current}'s text as an
     * earlier version until the message's retention ends.
     *
     * @return {@link ReplaceOutcome#CHANGED} when the message is no longer {@code current} (a
     *     concurrent edit or delete: read it again); nothing is written unless {@code REPLACED}
     */
    ReplaceOutcome replaceMessage(StoredMessage current, StoredMessage next, String memberConnectionId);

    enum ReplaceOutcome {
        REPLACED,
        CHANGED,
        NOT_MEMBER
    }

    /**
     * A read receipt: moves {@code user}'s last read message in {@code room} to {@code messageId},
     * only forward (an older id leaves it where it is), and only when {@code memberConnectionId} is a
     * live member and the message exists in the room.
     */
    ReadOutcome recordRead(String memberConnectionId, String room, String user, String messageId);

    /**
     * @param status what happened
     * @param lastRead the user's last read message id after the call (null when none: refused before any receipt)
     */
    record ReadOutcome(ReadStatus status, String lastRead) {}

    enum ReadStatus {
        MOVED,
        NOT_MOVED,
        NOT_MEMBER,
        NO_MESSAGE
    }

    /** The user's last read message id in the room (strongly consistent), or null when it never sent a receipt there. */
    String lastRead(String room, String user);

    /**
     * How many messages of others (not deleted) came after {@code afterId} in the room, counted up to
     * {@code upTo}. Reads at most {@code 2 * upTo} messages: when those hold fewer than {@code upTo}
     * of others' messages but more follow, the answer is {@code upTo} ("at least").
     */
    int countUnread(String room, String user, String afterId, int upTo);

    /**
     * Stores an item in {@code user}'s inbox, unseen and unread, with the user's counts raised in the
     * same write. Conditional on the id: an item already there (an SNS redelivery of the same
     * notification) is left as it is and counted once.
     *
     * @param retainUntilSeconds the item is kept at least until then (epoch s); it expires (TTL) at the
     *     end of that UTC day, so the counts can expire with their items by the day
     * @return false when an item with this id was there already (nothing written)
     */
    boolean putInboxItem(String user, InboxItem item, long retainUntilSeconds);

    /**
     * Stores a direct message in {@code to}'s inbox as {@link #putInboxItem} does, in the same write as
     * its idempotency key (null: none), so a retried {@code direct} (the same {@code clientMsgId} after an
     * error or a lost ack) is one inbox item with one id. When the key was used before, nothing is
     * stored: the first item under it is returned (as stored, with its text) with whether its live
     * delivery completed ({@link #markFannedOut}). The key expires with the item.
     *
     * @param delivered the key is written as delivered already (the target had no connection to post to)
     */
    DirectOutcome saveDirect(
            String to, InboxItem item, long retainUntilSeconds, String idempotencyKey, boolean delivered);

    /**
     * @param item the item stored, or for a duplicate the first one: as stored when it is to be delivered
     *     again, else its id and {@code ts} (the ack's)
     * @param duplicate true when the idempotency key was used before: nothing was stored
     * @param fannedOut for a duplicate, whether the first one's live delivery completed
     */
    record DirectOutcome(InboxItem item, boolean duplicate, boolean fannedOut) {}

    /**
     * A page of {@code user}'s inbox, newest first: the newest items, or those older than
     * {@code beforeId} (null: from the newest). {@code next} is the last item's id when older ones exist.
     */
    Page<InboxItem> inbox(String user, String beforeId, int limit);

    /** {@code user}'s unread and unseen counts, strongly consistent (a mark just answered is in them). */
    InboxCounts inboxCounts(String user);

    /**
     * Marks items of {@code user}'s own inbox (only theirs: ids are looked up under the user) and
     * lowers the counts by the items that changed, in one transaction. Idempotent: items already in
     * the state (or read, when marking seen) change nothing and count nothing. When any id is not in
     * the inbox (never was, expired, another user's), nothing is changed.
     *
     * @param ids at most 50 distinct ids
     * @return the ids that changed state, or the unknown ids (then nothing changed)
     */
    MarkOutcome markInbox(String user, List<String> ids, InboxState state);

    /**
     * @param changed ids whose state changed with this call (empty: all were marked before)
     * @param unknown ids not in the user's inbox; when not empty, nothing was changed
     */
    record MarkOutcome(List<String> changed, List<String> unknown) {}

    /** The connection is not a (live) member of the room it wrote to: join it first. */
    final class NotMemberException extends RuntimeException {
        public NotMemberException(String connectionId, String room) {
            super("connection " + connectionId + " is not a member of '" + room + "': join it first");
        }
    }

    enum JoinOutcome {
        JOINED,
        ALREADY_MEMBER,
        TOO_MANY_ROOMS,
        NO_CONNECTION
    }

    /**
     * @param duplicate true when the idempotency key was used before: {@code message} is the first one
     * @param fannedOut for a duplicate, whether the first one's fan-out completed
     */
    record SaveOutcome(StoredMessage message, boolean duplicate, boolean fannedOut) {}

    /** {@code retryAfterMillis} is 0 when the send may go ahead, else when the next one would. */
    record SendPermit(Optional<Connection> connection, long retryAfterMillis) {
        public boolean allowed() {
            return retryAfterMillis == 0;
        }
    }
}
