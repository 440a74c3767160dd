-- Migration 0007 moved the access epoch with every change to a version, an asset or a project.
-- The access epoch also tells open event streams to re-check access, and the server to read
-- sign-ins again, so those changes (a rename, a decision, a processing step) made every stream
-- re-check and every cached sign-in be read again, though they grant and take away nothing.
-- They now move a counter of their own, the content epoch, and the access epoch moves only when
-- access may have changed, as before 0007. The server reuses a version's context (the version,
-- its asset and project, the caller's role there) only while neither has moved.
DROP TRIGGER access_epoch_versions;
DROP TRIGGER access_epoch_versions_del;
DROP TRIGGER access_epoch_assets_any;
DROP TRIGGER access_epoch_projects_any;
-- The triggers 0007 replaced.
CREATE TRIGGER access_epoch_assets AFTER UPDATE OF project_id, folder_id, deleted_at ON assets BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_versions_current AFTER UPDATE OF current_version_id ON assets BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_projects AFTER UPDATE OF workspace_id, deleted_at, archived_at ON projects BEGIN UPDATE access_epoch SET n = n + 1; END;

CREATE TABLE content_epoch (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO content_epoch (id, n) VALUES (1, 0);
-- Every column of versions but progress, which changes in steps while a file is processed and
-- which nothing about reaching or reviewing the version depends on (a store test checks the
-- list against the table).
CREATE TRIGGER content_epoch_versions AFTER UPDATE OF
    id, asset_id, number, position, filename, filetype, size_bytes, original_key, sha256, kind,
    processing_state, failure_reason, probe, width, height, rate_num, rate_den, frame_count,
    duration_us, vfr, start_timecode, review_status, locked, uploaded_by, created_at, updated_at,
    page_count, locked_at, lock_kind, locked_by, locked_sha256, tc_start, tc_drop_frame
    ON versions BEGIN UPDATE content_epoch SET n = n + 1; END;
CREATE TRIGGER content_epoch_versions_del AFTER DELETE ON versions BEGIN UPDATE content_epoch SET n = n + 1; END;
CREATE TRIGGER content_epoch_assets AFTER UPDATE ON assets BEGIN UPDATE content_epoch SET n = n + 1; END;
CREATE TRIGGER content_epoch_projects AFTER UPDATE ON projects BEGIN UPDATE content_epoch SET n = n + 1; END;
