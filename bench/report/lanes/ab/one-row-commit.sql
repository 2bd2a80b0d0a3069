INSERT INTO fsync_probe VALUES (1);
