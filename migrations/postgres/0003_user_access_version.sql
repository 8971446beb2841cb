-- A user's own access version. Changes to one user's memberships or direct
-- permissions are the frequent kind (invitations, grants); with only the
-- access generation of 0002 each of them made every server thread read the
-- names of every user again. Now they move that user's
-- `access_version` instead, in the same transaction (triggers, so changes
-- made by hand in SQL count too), and servers key cached names by
-- (user, access version, access generation), both read in one statement.
-- Changes to groups and permissions themselves (a group's permissions,
-- renames, deletions) still move the generation: they reach many users at
-- once, and a per-user fan-out would race with concurrent membership
-- changes (its statement cannot see a membership another transaction has
-- not committed yet). Deleting a user moves it too, so an id ever used
-- again starts from nothing cached; TRUNCATE fires no row triggers, so it
-- moves the generation as well. Creating a group or a permission no longer
-- does: nobody holds a new one until a membership or grant, which moves a
-- number.
--
-- Upgrading: servers built before this migration key cached names by the
-- generation alone, and would miss the changes that now move only a user's
-- version until they restart, and newer servers need its column: stop the
-- older servers, apply it, then start the newer ones.

ALTER TABLE portcullis_users ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

DROP TRIGGER portcullis_access_user_groups ON portcullis_user_groups;
DROP TRIGGER portcullis_access_user_permissions ON portcullis_user_permissions;
DROP TRIGGER portcullis_access_groups ON portcullis_groups;
DROP TRIGGER portcullis_access_permissions ON portcullis_permissions;

CREATE TRIGGER portcullis_access_groups AFTER UPDATE OR DELETE OR TRUNCATE ON portcullis_groups
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE TRIGGER portcullis_access_permissions AFTER UPDATE OR DELETE OR TRUNCATE ON portcullis_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE FUNCTION portcullis_bump_user_access_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE portcullis_users SET access_version = access_version + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
        UPDATE portcullis_users SET access_version = access_version + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER portcullis_access_version_user_groups AFTER INSERT OR UPDATE OR DELETE ON portcullis_user_groups
    FOR EACH ROW EXECUTE FUNCTION portcullis_bump_user_access_version();

CREATE TRIGGER portcullis_access_version_user_permissions AFTER INSERT OR UPDATE OR DELETE ON portcullis_user_permissions
    FOR EACH ROW EXECUTE FUNCTION portcullis_bump_user_access_version();

CREATE TRIGGER portcullis_access_user_groups_truncate AFTER TRUNCATE ON portcullis_user_groups
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE TRIGGER portcullis_access_user_permissions_truncate AFTER TRUNCATE ON portcullis_user_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();

CREATE TRIGGER portcullis_access_users AFTER DELETE OR TRUNCATE ON portcullis_users
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_access_generation();
