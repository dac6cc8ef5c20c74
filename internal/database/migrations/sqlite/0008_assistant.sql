-- Conversations with the assistant: the dialogue state (JSON) so that any
-- instance can continue a conversation, and the transcript, deleted after
-- the retention period.
CREATE TABLE assistant_conversations (
    id         TEXT    PRIMARY KEY,
    lang       TEXT    NOT NULL,
    status     TEXT    NOT NULL, -- bot, waiting_agent, agent, closed
    state      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX assistant_conversations_status ON assistant_conversations (status, updated_at);

CREATE TABLE assistant_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT    NOT NULL REFERENCES assistant_conversations (id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    role            TEXT    NOT NULL, -- user, assistant, agent
    text            TEXT    NOT NULL,
    choices         TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX assistant_messages_conversation ON assistant_messages (conversation_id, id);
