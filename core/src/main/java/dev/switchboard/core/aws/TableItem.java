package dev.switchboard.core.aws;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondarySortKey;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

/**
 * One row of the single table, whatever its kind; the key prefixes say which:
 * <pre>
 * pk               sk             kind          gsi1 (byUser)        gsi2 (byShard)
 * CONN#id          META           connection    USER#u / CONN#id     SHARD#n / id
 * CONN#id          ROOM#r         its room      -                    -
 * ROOM#r           MEMBER#id      room member   -                    -
 * ROOMMSG#r        MSG#id         message       -                    -
 * IDEM#u#r#cmid    IDEM           idempotency   -                    -
 * MSGVER#r         MSG#id#at      an earlier version of an edited or deleted message (at = when replaced, ms)
 * READ#r           USER#u         the user's read receipt in the room (messageId = last read)
 * PRESENCE#r       USER#u         coalescing state of u's presence (also typing#u, receipt#u: typing, receipts)
 * </pre>
 * With several regions a connection's META and room-member items also carry {@code home} (its
 * region and endpoint), and a user's slots are one item per region ({@code USER#u / SLOTS#region}):
 * each is written in one region only, so the global table's last-writer-wins never merges two
 * regions' writes of one item.
 * The connection's META item also holds what only conditional updates read and write, outside this
 * schema: {@code roomCount} (rooms joined), {@code sendTat} (the send limit) and {@code firstSend} (when its
 * first frame was handled, written with the send limit). The indexes project only the keys,
 * {@code connectionId}, {@code user}, {@code expiresAt} and {@code tokenExp} (template.yaml), so updating
 * those three writes the table alone, not three copies of the item.
 * The enhanced client cannot map records (aws-sdk-java-v2#4281), so this mutable bean stays inside
 * the adapter; its schema is built once.
 */
public final class TableItem {

    static final String BY_USER = "byUser";
    static final String BY_SHARD = "byShard";

    static final StaticTableSchema<TableItem> SCHEMA = StaticTableSchema.builder(TableItem.class)
            .newItemSupplier(TableItem::new)
            .addAttribute(
                    String.class,
                    a -> a.name("pk")
                            .getter(TableItem::getPk)
                            .setter(TableItem::setPk)
                            .tags(primaryPartitionKey()))
            .addAttribute(
                    String.class,
                    a -> a.name("sk")
                            .getter(TableItem::getSk)
                            .setter(TableItem::setSk)
                            .tags(primarySortKey()))
            .addAttribute(
                    String.class,
                    a -> a.name("gsi1pk")
                            .getter(TableItem::getGsi1pk)
                            .setter(TableItem::setGsi1pk)
                            .tags(secondaryPartitionKey(BY_USER)))
            .addAttribute(
                    String.class,
                    a -> a.name("gsi1sk")
                            .getter(TableItem::getGsi1sk)
                            .setter(TableItem::setGsi1sk)
                            .tags(secondarySortKey(BY_USER)))
            .addAttribute(
                    String.class,
                    a -> a.name("gsi2pk")
                            .getter(TableItem::getGsi2pk)
                            .setter(TableItem::setGsi2pk)
                            .tags(secondaryPartitionKey(BY_SHARD)))
            .addAttribute(
                    String.class,
                    a -> a.name("gsi2sk")
                            .getter(TableItem::getGsi2sk)
                            .setter(TableItem::setGsi2sk)
                            .tags(secondarySortKey(BY_SHARD)))
            .addAttribute(
                    String.class,
                    a -> a.name("connectionId")
                            .getter(TableItem::getConnectionId)
                            .setter(TableItem::setConnectionId))
            .addAttribute(
                    String.class, a -> a.name("user").getter(TableItem::getUser).setter(TableItem::setUser))
            .addAttribute(
                    String.class, a -> a.name("room").getter(TableItem::getRoom).setter(TableItem::setRoom))
            .addAttribute(
                    String.class,
                    a -> a.name("messageId").getter(TableItem::getMessageId).setter(TableItem::setMessageId))
            .addAttribute(
                    String.class, a -> a.name("text").getter(TableItem::getText).setter(TableItem::setText))
            .addAttribute(Long.class, a -> a.name("ts").getter(TableItem::getTs).setter(TableItem::setTs))
            .addAttribute(
                    Boolean.class,
                    a -> a.name("admin").getter(TableItem::getAdmin).setter(TableItem::setAdmin))
            // on an IDEM item: the send's fan-out ran to the end (a retry of it is only acknowledged)
            .addAttribute(
                    Boolean.class,
                    a -> a.name("fanOutDone").getter(TableItem::getFanOutDone).setter(TableItem::setFanOutDone))
            // on a message: when its text was last replaced (edit) or it was deleted, epoch ms; and whether it was
            // deleted
            .addAttribute(
                    Long.class,
                    a -> a.name("editedAt").getter(TableItem::getEditedAt).setter(TableItem::setEditedAt))
            .addAttribute(
                    Boolean.class,
                    a -> a.name("deleted").getter(TableItem::getDeleted).setter(TableItem::setDeleted))
            .addAttribute(
                    Long.class,
                    a -> a.name("expiresAt").getter(TableItem::getExpiresAt).setter(TableItem::setExpiresAt))
            .addAttribute(
                    String.class, a -> a.name("name").getter(TableItem::getName).setter(TableItem::setName))
            .addAttribute(
                    Long.class,
                    a -> a.name("tokenExp").getter(TableItem::getTokenExp).setter(TableItem::setTokenExp))
            .addAttribute(
                    String.class,
                    a -> a.name("rooms").getter(TableItem::getRooms).setter(TableItem::setRooms))
            .addAttribute(
                    String.class, a -> a.name("home").getter(TableItem::getHome).setter(TableItem::setHome))
            .build();

    private String pk;
    private String sk;
    private String gsi1pk;
    private String gsi1sk;
    private String gsi2pk;
    private String gsi2sk;
    private String connectionId;
    private String user;
    private String room;
    private String messageId;
    private String text;
    private Long ts;
    private Boolean admin;
    private Boolean fanOutDone;
    private Long expiresAt;
    private Long editedAt;
    private Boolean deleted;
    /** The token's exp (epoch s) on a connection and on each of its memberships; absent = no expiry. */
    private Long tokenExp;
    /** A connection's display name. */
    private String name;
    /** A connection's room permissions, {@code RoomGrants.toJson()}. */
    private String rooms;
    /**
     * On a connection's META and room-member items when the stack runs in several regions: its
     * region and {@code @connections} endpoint ({@code Home.toAttribute()}); the global table's
     * indexes project it too. Absent in one region.
     */
    private String home;

    static TableItem of(String pk, String sk) {
        TableItem item = new TableItem();
        item.pk = pk;
        item.sk = sk;
        return item;
    }

    boolean expired(long nowSeconds) {
        return expiresAt != null && expiresAt <= nowSeconds;
    }

    /** The item's connection may no longer receive: its token expired more than the leeway ago. */
    boolean tokenExpired(long nowSeconds, long leewaySeconds) {
        return tokenExp != null && tokenExp > 0 && tokenExp + leewaySeconds < nowSeconds;
    }

    public String getPk() {
        return pk;
    }

    public void setPk(String pk) {
        this.pk = pk;
    }

    public String getSk() {
        return sk;
    }

    public void setSk(String sk) {
        this.sk = sk;
    }

    public String getGsi1pk() {
        return gsi1pk;
    }

    public void setGsi1pk(String gsi1pk) {
        this.gsi1pk = gsi1pk;
    }

    public String getGsi1sk() {
        return gsi1sk;
    }

    public void setGsi1sk(String gsi1sk) {
        this.gsi1sk = gsi1sk;
    }

    public String getGsi2pk() {
        return gsi2pk;
    }

    public void setGsi2pk(String gsi2pk) {
        this.gsi2pk = gsi2pk;
    }

    public String getGsi2sk() {
        return gsi2sk;
    }

    public void setGsi2sk(String gsi2sk) {
        this.gsi2sk = gsi2sk;
    }

    public String getConnectionId() {
        return connectionId;
    }

    public void setConnectionId(String connectionId) {
        this.connectionId = connectionId;
    }

    public String getUser() {
        return user;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public String getRoom() {
        return room;
    }

    public void setRoom(String room) {
        this.room = room;
    }

    public String getMessageId() {
        return messageId;
    }

    public void setMessageId(String messageId) {
        this.messageId = messageId;
    }

    public String getText() {
        return text;
    }

    public void setText(String text) {
        this.text = text;
    }

    public Long getTs() {
        return ts;
    }

    public void setTs(Long ts) {
        this.ts = ts;
    }

    public Boolean getAdmin() {
        return admin;
    }

    public void setAdmin(Boolean admin) {
        this.admin = admin;
    }

    public Boolean getFanOutDone() {
        return fanOutDone;
    }

    public void setFanOutDone(Boolean fanOutDone) {
        this.fanOutDone = fanOutDone;
    }

    public Long getExpiresAt() {
        return expiresAt;
    }

    public void setExpiresAt(Long expiresAt) {
        this.expiresAt = expiresAt;
    }

    public Long getEditedAt() {
        return editedAt;
    }

    public void setEditedAt(Long editedAt) {
        this.editedAt = editedAt;
    }

    public Boolean getDeleted() {
        return deleted;
    }

    public void setDeleted(Boolean deleted) {
        this.deleted = deleted;
    }

    public Long getTokenExp() {
        return tokenExp;
    }

    public void setTokenExp(Long tokenExp) {
        this.tokenExp = tokenExp;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getRooms() {
        return rooms;
    }

    public void setRooms(String rooms) {
        this.rooms = rooms;
    }

    public String getHome() {
        return home;
    }

    public void setHome(String home) {
        this.home = home;
    }
}
