-- PDF versions: how many pages the document has.
ALTER TABLE versions ADD COLUMN page_count INTEGER;
