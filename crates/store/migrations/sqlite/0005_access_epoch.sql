-- A counter that moves whenever something that grants access changes or goes away: credentials
-- (revoked; not the once-a-minute "last used" touch), passwords, memberships and roles, projects
-- and assets (deleted, moved). Open event streams compare it to the value they last checked access at, so they
-- re-check access only when it may have changed, instead of before every event.
CREATE TABLE access_epoch (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO access_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER access_epoch_users AFTER UPDATE OF password_hash, password_changed_at ON users BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_users_del AFTER DELETE ON users BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_sessions AFTER UPDATE OF revoked_at ON sessions BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_sessions_del AFTER DELETE ON sessions BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_tokens AFTER UPDATE OF revoked_at, expires_at ON api_tokens BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_tokens_del AFTER DELETE ON api_tokens BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_members AFTER UPDATE ON workspace_members BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_members_del AFTER DELETE ON workspace_members BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_project_members_del AFTER DELETE ON project_members BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_projects AFTER UPDATE OF workspace_id, deleted_at, archived_at ON projects BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_projects_del AFTER DELETE ON projects BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_assets AFTER UPDATE OF project_id, folder_id, deleted_at ON assets BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_assets_del AFTER DELETE ON assets BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_workspaces_del AFTER DELETE ON workspaces BEGIN UPDATE access_epoch SET n = n + 1; END;
