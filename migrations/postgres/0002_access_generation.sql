-- The access generation: one number that every change to group
-- memberships, direct or group permissions, or group and permission names
-- moves, in the same transaction (triggers, so changes made by hand in SQL
-- count too). A server keeps the group and permission names it loaded for a
-- user beside the generation it read them with, and the per-request session
-- statement reads only the generation: equal means nothing changed since.
-- It starts at a random value, so two databases in one process never share
-- a generation; 2^62 leaves room for increments.

CREATE TABLE portcullis_access_generation (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    value  BIGINT  NOT NULL
);
INSERT INTO portcullis_access_generation (id, value)
    VALUES (1, floor(random() * 4611686018427387904)::bigint);

CREATE FUNCTION portcullis_bump_access_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER portcullis_access_user_groups AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portcullis_user_groups
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE TRIGGER portcullis_access_user_permissions AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portcullis_user_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE TRIGGER portcullis_access_group_permissions AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portcullis_group_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE TRIGGER portcullis_access_groups AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portcullis_groups
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE TRIGGER portcullis_access_permissions AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portcullis_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();
