-- Uploads stored as they stream in: the file in pieces of 256 KiB (the last one shorter), in
-- order, inserted in the upload's transaction, so that neither an upload nor a download ever
-- holds a whole file in a node's memory. Files stored before this stay in attachment_blobs and
-- are served from there.
CREATE TABLE attachment_chunks (
    attachment_id BIGINT  NOT NULL REFERENCES attachments (id),
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    data          BYTEA   NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
-- Pieces are already compressed files more often than not: skip Postgres's compression attempt.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
