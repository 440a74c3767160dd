-- The access epoch also moves when a version, an asset or a project changes, so the server can
-- reuse a version's context (the version, its asset and project, the caller's role there) read
-- under an unchanged epoch. A version's processing progress does not move it: it changes in
-- steps while a file is processed, and nothing about reaching or reviewing the version depends
-- on it. The column list is every column of versions but progress (a store test checks it).
CREATE TRIGGER access_epoch_versions AFTER UPDATE OF
    id, asset_id, number, position, filename, filetype, size_bytes, original_key, sha256, kind,
    processing_state, failure_reason, probe, width, height, rate_num, rate_den, frame_count,
    duration_us, vfr, start_timecode, review_status, locked, uploaded_by, created_at, updated_at,
    page_count, locked_at, lock_kind, locked_by, locked_sha256, tc_start, tc_drop_frame
    ON versions BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_versions_del AFTER DELETE ON versions BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_assets_any AFTER UPDATE ON assets BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_projects_any AFTER UPDATE ON projects BEGIN UPDATE access_epoch SET n = n + 1; END;
-- The triggers these replace (one move per change is enough).
DROP TRIGGER access_epoch_assets;
DROP TRIGGER access_epoch_versions_current;
DROP TRIGGER access_epoch_projects;
