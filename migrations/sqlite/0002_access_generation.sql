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
INSERT INTO portcullis_access_generation (id, value) VALUES (1, abs(random() % 4611686018427387904));

CREATE TRIGGER portcullis_access_user_groups_insert AFTER INSERT ON portcullis_user_groups
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_user_groups_update AFTER UPDATE ON portcullis_user_groups
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_user_groups_delete AFTER DELETE ON portcullis_user_groups
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_user_permissions_insert AFTER INSERT ON portcullis_user_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_user_permissions_update AFTER UPDATE ON portcullis_user_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_user_permissions_delete AFTER DELETE ON portcullis_user_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_group_permissions_insert AFTER INSERT ON portcullis_group_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_group_permissions_update AFTER UPDATE ON portcullis_group_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_group_permissions_delete AFTER DELETE ON portcullis_group_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_groups_insert AFTER INSERT ON portcullis_groups
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_groups_update AFTER UPDATE ON portcullis_groups
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_groups_delete AFTER DELETE ON portcullis_groups
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_permissions_insert AFTER INSERT ON portcullis_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_permissions_update AFTER UPDATE ON portcullis_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER portcullis_access_permissions_delete AFTER DELETE ON portcullis_permissions
BEGIN
    UPDATE portcullis_access_generation SET value = value + 1 WHERE id = 1;
END;
