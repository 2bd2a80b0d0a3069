-- The name the uploader's file had, shown beside its size and type and used in alt text; NULL for
-- uploads made before it was kept, or without a name.
ALTER TABLE attachments ADD COLUMN file_name TEXT;
