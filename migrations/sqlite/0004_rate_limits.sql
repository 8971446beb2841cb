-- Rate-limit counters (brute-force protection), in the database so every
-- replica counts the same attempts. One row per bucket (action, what is
-- counted, period and whose: an address or a hashed login, never a raw one)
-- and fixed window; the limiter estimates a sliding window from the current
-- and the previous window. A hit is one `INSERT … ON CONFLICT DO UPDATE SET
-- hits = hits + 1 RETURNING hits`: atomic on both databases. `expires_at` is
-- the end of the window after this one, when the row stops counting; rows
-- past it are deleted by the purge.

CREATE TABLE portcullis_rate_limits (
    bucket        TEXT    NOT NULL,
    window_start  BIGINT  NOT NULL,
    hits          BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL,
    PRIMARY KEY (bucket, window_start)
) WITHOUT ROWID;

CREATE INDEX portcullis_rate_limits_expires_at ON portcullis_rate_limits (expires_at);
