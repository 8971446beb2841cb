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
-- changes. Deleting a user moves it too, so an id ever used again starts
-- from nothing cached. Creating a group or a permission no longer does:
-- nobody holds a new one until a membership or grant, which moves a number.
--
-- Upgrading: servers built before this migration key cached names by the
-- generation alone, and would miss the changes that now move only a user's
-- version until they restart, and newer servers need its column: stop the
-- older servers, apply it, then start the newer ones.

ALTER TABLE portcullis_users ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

DROP TRIGGER portcullis_access_user_groups_insert;
DROP TRIGGER portcullis_access_user_groups_update;
DROP TRIGGER portcullis_access_user_groups_delete;
DROP TRIGGER portcullis_access_user_permissions_insert;
DROP TRIGGER portcullis_access_user_permissions_update;
DROP TRIGGER portcullis_access_user_permissions_delete;
DROP TRIGGER portcullis_access_groups_insert;
DROP TRIGGER portcullis_access_permissions_insert;

CREATE TRIGGER portcullis_access_version_user_groups_insert AFTER INSERT ON portcullis_user_groups
BEGIN
    UPDATE portcullis_users SET access_version = access_version + 1 WHERE id = NEW.user_id;
END;

CREATE TRIGGER portcullis_access_version_user_groups_update AFTER UPDATE ON portcullis_user_groups
BEGIN
    UPDATE portcullis_users SET access_version = access_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;

CREATE TRIGGER portcullis_access_version_user_groups_delete AFTER DELETE ON portcullis_user_groups
BEGIN
    UPDATE portcullis_users SET access_version = access_version + 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER portcullis_access_version_user_permissions_insert AFTER INSERT ON portcullis_user_permissions
BEGIN
    UPDATE portcullis_users SET access_version = access_version + 1 WHERE id = NEW.user_id;
END;

CREATE TRIGGER portcullis_access_version_user_permissions_update AFTER UPDATE ON portcullis_user_permissions
BEGIN
    UPDATE portcullis_users SET access_version = access_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;

CREATE TRIGGER portcullis_access_version_user_permissions_delete AFTER DELETE ON portcullis_user_permissions
BEGIN
    UPDATE portcullis_users SET access_version = access_version + 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER portcullis_access_users_delete AFTER DELETE ON portcullis_users
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;
